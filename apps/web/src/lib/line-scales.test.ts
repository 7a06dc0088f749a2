import { describe, expect, it } from "vitest";
import { bandPath, extentOf, linePath, scales, ticks } from "./line-scales";

const frame = { width: 110, height: 60, left: 10, right: 0, top: 0, bottom: 10 };

describe("line scales", () => {
  it("spans every finite point, skipping non-positive ones on a log axis", () => {
    expect(
      extentOf(
        [
          [
            { x: 0, y: 1 },
            { x: 5, y: null },
          ],
          [{ x: 10, y: 4 }],
        ],
        false,
      ),
    ).toEqual({ x: [0, 10], y: [1, 4] });
    expect(
      extentOf(
        [
          [
            { x: 0, y: -1 },
            { x: 2, y: 10 },
            { x: 3, y: 100 },
          ],
        ],
        true,
      ),
    ).toEqual({ x: [2, 3], y: [10, 100] });
    expect(extentOf([[{ x: 0, y: null }]], false)).toBeNull();
  });

  it("maps data into the frame and breaks the line at gaps", () => {
    const s = scales({ x: [0, 10], y: [0, 5] }, frame, false);
    expect([s.x(0), s.x(10), s.y(0), s.y(5)]).toEqual([10, 110, 50, 0]);
    expect(
      linePath(
        [
          { x: 0, y: 0 },
          { x: 5, y: null },
          { x: 10, y: 5 },
        ],
        s.x,
        s.y,
        false,
      ),
    ).toBe("M10.0 50.0M110.0 0.0");
    expect(
      bandPath(
        [
          { x: 0, lo: 0, hi: 5 },
          { x: 10, lo: 0, hi: 5 },
        ],
        s.x,
        s.y,
      ),
    ).toBe("M10.0 0.0L110.0 0.0L110.0 50.0L10.0 50.0Z");
  });

  it("ticks at round values", () => {
    expect(ticks(0, 1000, 5)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(ticks(0.3, 0.9, 3)).toEqual([0.4, 0.6, 0.8]);
  });
});
