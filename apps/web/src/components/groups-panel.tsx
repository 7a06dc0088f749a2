"use client";
// Runs grouped by config keys: per group the metric's mean curve with its min-max band over the
// runs (seeds), and the final values' mean ± sd and range. Aggregated on the server (compare.groups),
// so a group of thousands of runs costs a few hundred numbers.
import { useMemo, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@unroll/api";
import { formatInt, formatNumber } from "~/lib/format";
import { groupColors } from "~/lib/line-colors";
import { useTRPC } from "~/trpc/react";
import { LinesChart, type ChartLine } from "./lines-chart";
import { ErrorBox } from "./ui";

type GroupsInput = inferRouterInputs<AppRouter>["compare"]["groups"];
type Groups = inferRouterOutputs<AppRouter>["compare"]["groups"];
type Stat = Groups["groups"][number]["finals"][string];

/** Keys grouped by first when the runs differ in them. */
const PREFERRED = ["model.tied", "model.cell"];

export function StatText({ s }: { s: Stat | undefined }) {
  if (!s) return <>—</>;
  return (
    <span title={`n=${s.n}, min ${formatNumber(s.min)}, max ${formatNumber(s.max)}`}>
      {formatNumber(s.mean)}
      {s.n > 1 ? <span className="muted"> ± {formatNumber(s.std, 2)}</span> : null}
      <span className="muted small"> (n={s.n})</span>
    </span>
  );
}

export const seedsText = (s: { count: number; min: number | null; max: number | null }) =>
  s.count === 0 ? "—" : s.count === 1 ? String(s.min) : `${formatInt(s.count)} seeds (${s.min}–${s.max})`;

/** Group lines for a chart: each group's mean, its band, one colour per group. */
export function groupLines(
  data: Groups | undefined,
  colorOf?: (values: unknown[]) => string | undefined,
  dashedOf?: (values: unknown[]) => boolean,
): ChartLine[] {
  const groups = data?.groups ?? [];
  const palette = groupColors(groups.map((g) => g.label));
  return groups
    .filter((g) => g.curve)
    .map((g) => ({
      id: g.label,
      label: `${g.label} (${formatInt(g.runs)} runs)`,
      color: colorOf?.(g.values) ?? palette.get(g.label)!,
      dashed: dashedOf?.(g.values),
      points: g.curve!.x.map((x, i) => ({ x, y: g.curve!.mean[i]! })),
      band: g.curve!.x.map((x, i) => ({ x, lo: g.curve!.lo[i]!, hi: g.curve!.hi[i]! })),
    }));
}

export function GroupsPanel({ runs, metric, keys }: { runs: GroupsInput["runs"]; metric: string; keys: string[] }) {
  const trpc = useTRPC();
  const [chosen, setChosen] = useState<string[] | null>(null);
  const first = PREFERRED.find((k) => keys.includes(k)) ?? keys.find((k) => k !== "name");
  const by = chosen ?? (first ? [first] : []);
  const groups = useQuery({ ...trpc.compare.groups.queryOptions({ runs, by, key: metric, buckets: 200 }), enabled: by.length > 0, placeholderData: (p) => p });
  const lines = useMemo(() => groupLines(groups.data), [groups.data]);
  const toggle = (k: string) => setChosen(by.includes(k) ? by.filter((x) => x !== k) : [...by, k].slice(-3));

  return (
    <section className="panel" aria-label="Groups">
      <div className="row">
        <h2 style={{ margin: 0 }}>Grouped</h2>
        <span className="muted small">by</span>
        {keys.length ? (
          keys.slice(0, 12).map((k) => (
            <label key={k} className="small">
              <input type="checkbox" checked={by.includes(k)} onChange={() => toggle(k)} /> <code>{k}</code>
            </label>
          ))
        ) : (
          <span className="muted small">nothing: the configs are identical</span>
        )}
      </div>
      <ErrorBox error={groups.error} title="Cannot group these runs" />
      {by.length && groups.data ? (
        <>
          <LinesChart
            testId="groups-chart"
            title={`${metric}: mean and min-max over each group's runs`}
            lines={lines}
            height={280}
            empty={`No ${metric} points in these groups.`}
          />
          <table aria-label="Group results">
            <thead>
              <tr>
                <th>group</th>
                <th className="num">runs</th>
                <th className="num">completed</th>
                <th>seeds</th>
                <th className="num">params</th>
                <th className="num">final {metric} (mean ± sd)</th>
                <th className="num">range</th>
              </tr>
            </thead>
            <tbody>
              {groups.data.groups.map((g) => {
                const s = g.finals[metric];
                return (
                  <tr key={g.label} data-group={g.label}>
                    <td className="mono">{g.label}</td>
                    <td className="num">{formatInt(g.runs)}</td>
                    <td className="num">{formatInt(g.completed)}</td>
                    <td>{seedsText(g.seeds)}</td>
                    <td className="num">{formatInt(g.paramCount)}</td>
                    <td className="num">
                      <StatText s={s} />
                    </td>
                    <td className="num">{s ? `${formatNumber(s.min)}–${formatNumber(s.max)}` : "—"}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      ) : by.length && groups.isPending ? (
        <p className="muted small" aria-busy="true">
          Grouping…
        </p>
      ) : null}
    </section>
  );
}
