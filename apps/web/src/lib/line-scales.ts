// Scales and SVG paths for many lines in one chart (pure: the compare and grouping charts draw
// with them, and tests check them without a browser).

export interface XY {
  x: number;
  y: number | null;
}

export interface Extent {
  x: [number, number];
  y: [number, number];
}

/** The x and y ranges of every finite point (log: y > 0 only); null when there is none. */
export function extentOf(lines: readonly (readonly XY[])[], logY: boolean): Extent | null {
  let x0 = Infinity,
    x1 = -Infinity,
    y0 = Infinity,
    y1 = -Infinity;
  for (const line of lines) {
    for (const p of line) {
      if (p.y === null || !Number.isFinite(p.y) || (logY && p.y <= 0)) continue;
      if (p.x < x0) x0 = p.x;
      if (p.x > x1) x1 = p.x;
      if (p.y < y0) y0 = p.y;
      if (p.y > y1) y1 = p.y;
    }
  }
  if (x0 > x1) return null;
  if (x0 === x1) x1 = x0 + 1;
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  return { x: [x0, x1], y: [y0, y1] };
}

export interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** Maps data to pixels inside the frame's margins. */
export function scales(extent: Extent, frame: Frame, logY: boolean) {
  const t = (v: number) => (logY ? Math.log10(v) : v);
  const [ya, yb] = [t(extent.y[0]), t(extent.y[1])];
  const w = frame.width - frame.left - frame.right;
  const h = frame.height - frame.top - frame.bottom;
  return {
    x: (v: number) => frame.left + ((v - extent.x[0]) / (extent.x[1] - extent.x[0])) * w,
    y: (v: number) => frame.top + h - ((t(v) - ya) / (yb - ya)) * h,
  };
}

/** An SVG path through the points (a gap where y is null or not drawable), to one decimal. */
export function linePath(points: readonly XY[], sx: (v: number) => number, sy: (v: number) => number, logY: boolean): string {
  let d = "";
  let pen = false;
  for (const p of points) {
    if (p.y === null || !Number.isFinite(p.y) || (logY && p.y <= 0)) {
      pen = false;
      continue;
    }
    d += `${pen ? "L" : "M"}${sx(p.x).toFixed(1)} ${sy(p.y).toFixed(1)}`;
    pen = true;
  }
  return d;
}

/** A closed band between lower and upper values at the same xs (gaps split nothing: they are skipped). */
export function bandPath(points: readonly { x: number; lo: number; hi: number }[], sx: (v: number) => number, sy: (v: number) => number): string {
  if (points.length === 0) return "";
  const upper = points.map((p, i) => `${i ? "L" : "M"}${sx(p.x).toFixed(1)} ${sy(p.hi).toFixed(1)}`).join("");
  const lower = [...points]
    .reverse()
    .map((p) => `L${sx(p.x).toFixed(1)} ${sy(p.lo).toFixed(1)}`)
    .join("");
  return `${upper}${lower}Z`;
}

/** About `count` round tick values across [a, b]. */
export function ticks(a: number, b: number, count = 5): number[] {
  const span = b - a;
  if (!(span > 0)) return [a];
  const step0 = span / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0 * (1 - 1e-9)) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(a / step) * step; v <= b + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}
