// Run names: the config's own name, or `task cell`, then what the sweep changed.

/** What a run's default name is made of. */
export interface RunNameBase {
  name?: string;
  task: string;
  model: { cell: string };
}

/** The config's name, or `task cell` (`lm lstm`). */
export function baseRunName(config: RunNameBase): string {
  return config.name ?? `${config.task} ${config.model.cell}`;
}

/** A readable run name from its overrides, each without its section: `char-lstm tied=false seed=2`. */
export function runName(base: string, overrides: readonly string[]): string {
  return overrides.length ? `${base} ${overrides.map((o) => o.replace(/^[^.=]*\./, "")).join(" ")}` : base;
}
