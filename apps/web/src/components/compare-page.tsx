"use client";
// Compare: any number of runs (up to 500 drawn) overlaid (EMA smoothing, linear or log y, colour
// by a config key, hover to pick one out, legend search), final metrics side by side, the config
// keys that differ, the runs grouped by config keys (mean and min-max band, from SQL), and
// parallel coordinates with each key's importance for the metric.
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useMemo, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { METRIC_KEYS } from "@unroll/domain";
import { compareSet, DEFAULT_METRIC, widthBucket } from "~/lib/compare";
import { formatInt, formatNumber } from "~/lib/format";
import { groupColors, lineColor } from "~/lib/line-colors";
import { toPoints, type XAxisKind } from "~/lib/smoothing";
import { useTRPC } from "~/trpc/react";
import { GroupsPanel } from "./groups-panel";
import { LinesChart } from "./lines-chart";
import { ParallelCoordinates } from "./parallel-coords";
import { Empty, ErrorBox, Loading, StatusBadge } from "./ui";

const X_LABEL: Record<XAxisKind, string> = { step: "step", epoch: "epoch", tokens: "tokens seen", wall: "seconds" };
const fmt = (v: unknown) => (v === undefined ? "—" : typeof v === "number" ? formatNumber(v) : JSON.stringify(v));
/** Up to this many runs are listed as removable chips; more are summarised. */
const CHIPS = 20;
/** Up to this many runs the final metrics table is open at first. */
const OPEN_TABLE = 50;

export function ComparePage() {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const set = compareSet(params);
  const ids = set && "ids" in set ? set.ids : null;
  const setIds = (next: string[]) => router.replace(`${pathname}${next.length ? `?ids=${next.join(",")}` : ""}`);

  const [metric, setMetric] = useState<string>(DEFAULT_METRIC);
  const [x, setX] = useState<XAxisKind>("step");
  const [logY, setLogY] = useState(false);
  const [smoothing, setSmoothing] = useState(0.6);
  const [colorBy, setColorBy] = useState("");
  const [width, setWidth] = useState(0);
  const onWidth = useCallback((w: number) => setWidth(widthBucket(w)), []);

  const runs = set ?? { ids: ["-"] };
  const all = useQuery({ ...trpc.run.list.queryOptions({ limit: 200 }), enabled: ids !== null });
  const compare = useQuery({ ...trpc.compare.runs.queryOptions(runs), enabled: set !== null });
  const keys = useQuery({ ...trpc.compare.keys.queryOptions({ runs }), enabled: set !== null });
  const anyRunning = compare.data?.runs.some((r) => r.status === "RUNNING" || r.status === "QUEUED") ?? false;
  const series = useQuery({
    ...trpc.compare.series.queryOptions({ runs, key: metric, width: width || 900 }),
    enabled: set !== null && width > 0,
    refetchInterval: anyRunning ? 3000 : false,
    placeholderData: (p) => p,
  });
  const detailed = series.data?.detailed ?? true;
  const axis: XAxisKind = detailed ? x : "step";

  const differing = useMemo(() => compare.data?.config.filter((r) => r.differs) ?? [], [compare.data]);
  const same = compare.data?.config.filter((r) => !r.differs) ?? [];
  const colors = useMemo(() => {
    const list = compare.data?.runs ?? [];
    const row = differing.find((r) => r.key === colorBy);
    if (!row || !row.differs) return new Map(list.map((r, i) => [r.id, lineColor(i)]));
    const groupOf = new Map(list.map((r, i) => [r.id, fmt(row.values[i])]));
    const palette = groupColors(list.map((r) => groupOf.get(r.id)!));
    return new Map(list.map((r) => [r.id, palette.get(groupOf.get(r.id)!)!]));
  }, [compare.data, differing, colorBy]);
  const lines = useMemo(() => {
    const names = new Map(compare.data?.runs.map((r) => [r.id, r.name]));
    return (series.data?.series ?? []).map((s) => ({
      id: s.runId,
      label: names.get(s.runId) ?? "(deleted run)",
      color: colors.get(s.runId) ?? "#4b5563",
      points: toPoints(s, axis, smoothing, logY),
    }));
  }, [series.data, compare.data, colors, axis, smoothing, logY]);

  const keyOptions = keys.data?.map((k) => k.key).filter((k) => !k.startsWith(METRIC_KEYS.trainEpoch) && k !== METRIC_KEYS.trainTokens) ?? [];
  const addable = (all.data?.runs ?? []).filter((r) => !ids?.includes(r.id));
  const summaryKeys = [...new Set((compare.data?.runs ?? []).flatMap((r) => Object.keys(r.summary)))].sort();
  const n = compare.data?.runs.length ?? 0;
  const runIds = compare.data?.runs.map((r) => r.id) ?? [];

  return (
    <>
      <h1>Compare</h1>
      <section className="panel row" aria-label="Runs to compare">
        {ids && ids.length <= CHIPS ? (
          <>
            {ids.map((id) => {
              const r = compare.data?.runs.find((x) => x.id === id);
              return (
                <span
                  key={id}
                  className="tag"
                  style={{ background: "#fff", border: `2px solid ${colors.get(id) ?? "#dfe3e8"}`, color: "var(--text)", padding: "2px 6px" }}
                >
                  <Link href={`/runs/${id}`}>{r?.name ?? "…"}</Link>{" "}
                  <button className="link" aria-label={`Remove ${r?.name ?? id}`} onClick={() => setIds(ids.filter((x) => x !== id))}>
                    ✕
                  </button>
                </span>
              );
            })}
            <select aria-label="Add a run" value="" onChange={(e) => e.target.value && setIds([...ids, e.target.value])}>
              <option value="">add a run…</option>
              {addable.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name} · {r.experimentName} · {r.status.toLowerCase()}
                </option>
              ))}
            </select>
          </>
        ) : set ? (
          <span data-testid="compare-count">
            {compare.data ? `${formatInt(n)} runs` : "Loading the selection…"}{" "}
            {"selectionId" in set ? (
              <span className="muted small">
                (a saved selection: select others on the <Link href="/">runs page</Link>)
              </span>
            ) : null}
          </span>
        ) : null}
      </section>
      {!set ? (
        <Empty>
          Pick runs above, or select them on the <Link href="/">runs page</Link>.
        </Empty>
      ) : (
        <>
          <ErrorBox error={compare.error} title="Cannot load these runs" />
          <ErrorBox error={keys.error} title="Cannot list their metrics" />
          <ErrorBox error={series.error} title="Cannot load the series" />
          <section className="panel row" aria-label="Chart options">
            <label>
              metric
              <select aria-label="Metric" value={metric} onChange={(e) => setMetric(e.target.value)}>
                {(keyOptions.includes(metric) ? keyOptions : [metric, ...keyOptions]).map((k) => (
                  <option key={k}>{k}</option>
                ))}
              </select>
            </label>
            <label title={detailed ? undefined : "Above 50 runs the series carry steps only"}>
              x-axis
              <select aria-label="X axis" value={axis} disabled={!detailed} onChange={(e) => setX(e.target.value as XAxisKind)}>
                <option value="step">step</option>
                <option value="epoch">epoch</option>
                <option value="tokens">tokens seen</option>
                <option value="wall">wall time</option>
              </select>
            </label>
            <label>
              y-axis
              <select aria-label="Y scale" value={logY ? "log" : "linear"} onChange={(e) => setLogY(e.target.value === "log")}>
                <option value="linear">linear</option>
                <option value="log">log</option>
              </select>
            </label>
            <label>
              colour by
              <select aria-label="Colour by" value={colorBy} onChange={(e) => setColorBy(e.target.value)}>
                <option value="">run</option>
                {differing.map((r) => (
                  <option key={r.key}>{r.key}</option>
                ))}
              </select>
            </label>
            <label htmlFor="cmp-smoothing">smoothing</label>
            <input id="cmp-smoothing" type="range" min={0} max={0.99} step={0.01} value={smoothing} onChange={(e) => setSmoothing(Number(e.target.value))} />
            <span className="mono small">{smoothing.toFixed(2)}</span>
            <span className="muted small">
              EMA, debiased (TensorBoard); min and max per bucket kept on the server{series.data ? `, ${formatInt(series.data.maxPoints)} points a run` : ""}
            </span>
          </section>
          <LinesChart
            testId="compare-chart"
            title={metric}
            lines={lines}
            xLabel={X_LABEL[axis]}
            logY={logY}
            onWidth={onWidth}
            empty={
              series.isPending ? `Loading ${metric}…` : series.error ? "The series could not be loaded (see above)." : `No ${metric} points for these runs.`
            }
          />

          {runIds.length > 1 ? <GroupsPanel runs={runs} metric={metric} keys={differing.map((r) => r.key)} /> : null}
          {runIds.length > 1 ? <ParallelCoordinates runs={runs} metric={metric} /> : null}

          <details className="panel table-wrap" aria-label="Final metrics" open={n <= OPEN_TABLE}>
            <summary>
              <h2 style={{ display: "inline" }}>Runs</h2> <span className="muted small">{n ? `${formatInt(n)} runs, final metrics` : ""}</span>
            </summary>
            {compare.data ? (
              <table>
                <thead>
                  <tr>
                    <th>run</th>
                    <th>status</th>
                    <th className="num">params</th>
                    <th className="num">step</th>
                    {summaryKeys.map((k) => (
                      <th key={k} className="num">
                        {k}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {compare.data.runs.map((r) => (
                    <tr key={r.id}>
                      <td>
                        <span style={{ color: colors.get(r.id) }}>■</span> <Link href={`/runs/${r.id}`}>{r.name}</Link>
                      </td>
                      <td>
                        <StatusBadge status={r.status} />
                      </td>
                      <td className="num">{formatInt(r.paramCount)}</td>
                      <td className="num">{formatInt(r.step)}</td>
                      {summaryKeys.map((k) => (
                        <td key={k} className="num">
                          {formatNumber(r.summary[k])}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : compare.error ? null : (
              <Loading what="runs" />
            )}
          </details>

          <section className="panel table-wrap" aria-label="Config diff">
            <div className="row">
              <h2 style={{ margin: 0 }}>Config</h2>
              <span className="muted small">{compare.data ? `${differing.length} of ${compare.data.config.length} keys differ` : ""}</span>
            </div>
            {differing.length ? (
              // one row per run, one column per differing key: compact however many runs there are
              <table aria-label="Differing config keys">
                <thead>
                  <tr>
                    <th>run</th>
                    {differing.map((row) => (
                      <th key={row.key} className="mono" data-differs="true">
                        {row.key}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {compare.data?.runs.map((r, i) => (
                    <tr key={r.id}>
                      <td>{r.name}</td>
                      {differing.map((row) => (
                        <td key={row.key} className="mono">
                          {row.differs ? fmt(row.values[i]) : ""}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p className="muted small">{compare.data ? "The configs are identical." : ""}</p>
            )}
            {same.length ? (
              <details>
                <summary className="muted small">{same.length} keys the same in every run</summary>
                <table>
                  <tbody>
                    {same.map((row) => (
                      <tr key={row.key}>
                        <td className="mono">{row.key}</td>
                        <td className="mono">{row.differs ? "" : fmt(row.value)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </details>
            ) : null}
          </section>
        </>
      )}
    </>
  );
}
