// What model.init and model.initParts may say, without tensors (browser-safe: the config's schema
// and the web form read it; warm-start.ts does the copying).

/** The parts of a model's front a warm start may copy: rows of E, the character encoder, the recurrent layers. */
export const WARM_START_PARTS = ["embeddings", "chars", "rnn"] as const;
export type WarmStartPart = (typeof WARM_START_PARTS)[number];

/** model.init = "run:ID": a tracked run's best checkpoint, which the runner reads from its database. */
const RUN_REF = "run:";

/** The run id of a `run:ID` model.init, else undefined (a file path). */
export function runRefOf(init: string): string | undefined {
  return init.startsWith(RUN_REF) ? init.slice(RUN_REF.length).trim() : undefined;
}

/** The distinct runs that these configs' model.init name with run:ID (what a submit checks once each). */
export function initRunRefs(configs: readonly { model: { init?: string } }[]): string[] {
  const refs = configs.map((c) => (c.model.init === undefined ? undefined : runRefOf(c.model.init)));
  return [...new Set(refs.filter((r) => r !== undefined))];
}
