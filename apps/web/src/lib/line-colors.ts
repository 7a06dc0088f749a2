// Colours for many lines: the chart palette for the first ten groups, then hues spaced by the
// golden angle (neighbours differ, however many there are).
import { PALETTE } from "~/components/chart";

export function lineColor(i: number): string {
  if (i < PALETTE.length) return PALETTE[i]!;
  const hue = Math.round((i * 137.508) % 360);
  return `hsl(${hue} 70% ${i % 2 ? 38 : 50}%)`;
}

/** One colour per distinct group value, in first-seen order. */
export function groupColors(groups: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const g of groups) if (!out.has(g)) out.set(g, lineColor(out.size));
  return out;
}
