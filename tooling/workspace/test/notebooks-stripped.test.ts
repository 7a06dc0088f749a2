// The notebooks in notebooks/ are kept in git without outputs (`pnpm test:notebooks` runs them and
// writes the executed copies elsewhere), and each names the Deno kernel that runs them.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const dir = fileURLToPath(new URL("../../../notebooks/", import.meta.url));
const notebooks = readdirSync(dir).filter((f) => f.endsWith(".ipynb"));

interface Notebook {
  cells: { cell_type: string; outputs?: unknown[]; execution_count?: number | null }[];
  metadata: { kernelspec?: { name?: string } };
}

describe("notebooks/", () => {
  it("has the quickstart and the tied-vs-untied notebooks", () => {
    expect(notebooks).toEqual(expect.arrayContaining(["quickstart.ipynb", "tied-vs-untied.ipynb"]));
  });

  it.each(notebooks)("%s is committed without outputs and runs in the Deno kernel", (file) => {
    const nb = JSON.parse(readFileSync(join(dir, file), "utf8")) as Notebook;
    const code = nb.cells.filter((c) => c.cell_type === "code");
    expect(code.length).toBeGreaterThan(0);
    const dirty = code
      .map((c, i) => ({ i, outputs: c.outputs?.length ?? 0, count: c.execution_count ?? null }))
      .filter((c) => c.outputs > 0 || c.count !== null);
    expect(
      dirty,
      `${file}: code cells with outputs or execution counts; clear them (Jupyter: Edit > Clear All Outputs, or jupyter nbconvert --clear-output --inplace ${file})`,
    ).toEqual([]);
    expect(nb.metadata.kernelspec?.name, `${file}: kernelspec`).toBe("deno");
  });
});
