// The quality benchmark's rows as the README's recipe table (markdown): command, time, the test
// metric from the best validation's weights, and what it is held against.
import { round } from "./common.js";

const pct = (x: number) => `${round(x * 100, 1)} %`;

function metricText(metric: unknown, x: unknown): string {
  if (typeof x !== "number") return "-";
  if (metric === "perplexity") return `ppl ${round(x, 1)}`;
  if (metric === "f1") return `F1 ${round(x, 3)}`;
  return pct(x);
}

function minutes(s: unknown): string {
  if (typeof s !== "number") return "-";
  return s < 90 ? `${round(s)} s` : `${round(s / 60, 1)} min`;
}

export function qualityTable(rows: readonly Record<string, unknown>[]): string {
  const lines = ["| recipe | command | time | test (best validation's weights) | reference |", "|---|---|---|---|---|"];
  for (const r of rows) {
    const peer = r["peer"] as Record<string, unknown> | undefined;
    const ref = r["reference"] as { source: string; value: number | null } | undefined;
    const against = peer
      ? `PyTorch ${metricText("perplexity", peer["testPerplexity"])} in ${minutes(peer["seconds"])} (Unroll / PyTorch ${String(r["ratioToPeer"] ?? "-")})`
      : ref
        ? `${ref.value === null ? "" : `${metricText(r["metric"], ref.value)}: `}${ref.source}`
        : "";
    const status = r["status"] === "COMPLETED" ? "" : ` (${String(r["status"])})`;
    const best = typeof r["bestStep"] === "number" ? ` at step ${r["bestStep"]} of ${String(r["steps"])}` : "";
    lines.push(
      `| ${String(r["recipe"])} | \`${String(r["command"])}\` | ${minutes(r["seconds"])} | ${metricText(r["metric"], r["test"])}${best}${status} | ${against} |`,
    );
  }
  return lines.join("\n");
}
