import { describe, expect, it } from "vitest";
import { checkConfig, formatConfigIssues } from "./config-issues.js";
import { runColumns } from "./run-columns.js";

const TINY = { name: "tiny", task: "lm", data: { corpus: "tiny-shakespeare" }, model: { cell: "lstm", embeddingSize: 8, hiddenSize: 8, tied: true } };

describe("config issues", () => {
  it("passes a valid config through the shared schema", () => {
    const check = checkConfig(TINY);
    expect(check.ok && runColumns(check.config)).toEqual({ task: "lm", cell: "lstm", tied: true });
  });

  it("says did you mean for a misspelt key, as the CLI does", () => {
    const check = checkConfig({ ...TINY, model: { ...TINY.model, hidenSize: 8 } });
    expect(check.ok).toBe(false);
    expect(!check.ok && check.issues).toEqual([
      { path: "model", message: expect.stringMatching(/^unknown key hidenSize; did you mean hiddenSize\? Valid keys here: .*hiddenSize/) },
    ]);
  });

  it("names what was expected and what was received, one issue per field", () => {
    const check = checkConfig({ ...TINY, model: { ...TINY.model, cell: "transformer" }, train: { lr: -1 } });
    expect(!check.ok && check.issues.map((i) => i.path)).toEqual(["model.cell", "train.lr"]);
    expect(!check.ok && check.issues[0]!.message).toMatch(/^expected one of .*"lstm".*, received "transformer"$/);
  });

  it("writes issues as one line: the first, and how many more", () => {
    expect(
      formatConfigIssues([
        { path: "model.tied", message: "no" },
        { path: "", message: "and this" },
      ]),
    ).toBe("model.tied: no (and 1 more)");
    expect(formatConfigIssues([{ path: "", message: "bad" }])).toBe("config: bad");
    expect(formatConfigIssues([])).toBe("invalid config");
  });

  it("copies task, cell and tying into the run's columns (tying only for a language model)", () => {
    expect(runColumns({ task: "tagger", model: { cell: "gru", tied: false } } as never)).toEqual({ task: "tagger", cell: "gru", tied: null });
  });
});
