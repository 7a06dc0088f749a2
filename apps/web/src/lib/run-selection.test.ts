import { describe, expect, it } from "vitest";
import { isSelected, nothingSelected, selectedCount, toggleRun, type RunSelection } from "./run-selection";

type Row = { id: string };
describe("run selection", () => {
  it("keeps hand-picked runs with their rows, whatever page they came from", () => {
    let s = nothingSelected<Row>();
    s = toggleRun(s, { id: "a" });
    s = toggleRun(s, { id: "b" });
    s = toggleRun(s, { id: "a" });
    expect(s.mode === "picked" && [...s.rows.keys()]).toEqual(["b"]);
    expect(selectedCount(s, 100)).toBe(1);
  });

  it("selects all matching minus the unticked ones", () => {
    let s: RunSelection<Row> = { mode: "matching", except: new Set() };
    s = toggleRun(s, { id: "x" });
    expect(isSelected(s, "x")).toBe(false);
    expect(isSelected(s, "never seen")).toBe(true);
    expect(selectedCount(s, 2345)).toBe(2344);
  });
});
