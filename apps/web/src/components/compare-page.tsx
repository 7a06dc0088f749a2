"use client";
// Compare: any number of runs overlaid (EMA smoothing, x by step/epoch/tokens/wall time, linear
// or log y), final metrics side by side, and the config diff.
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useMemo, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { METRIC_KEYS } from "@unroll/domain";
import { compareIds, DEFAULT_METRIC, seriesInput } from "~/lib/compare";
import { formatInt, formatNumber } from "~/lib/format";
import { toPoints, type XAxisKind } from "~/lib/smoothing";
import { useTRPC } from "~/trpc/react";
import { LineChartPanel, PALETTE } from "./chart";
import { Empty, ErrorBox, Loading, StatusBadge } from "./ui";

const X_LABEL: Record<XAxisKind, string> = { step: "step", epoch: "epoch", tokens: "tokens seen", wall: "seconds" };
const fmt = (v: unknown) => (v === undefined ? "—" : typeof v === "number" ? formatNumber(v) : JSON.stringify(v));

export function ComparePage() {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const ids = compareIds(params.get("ids"));
  const setIds = (next: string[]) => router.replace(`${pathname}${next.length ? `?ids=${next.join(",")}` : ""}`);

  const [metric, setMetric] = useState(DEFAULT_METRIC);
  const [x, setX] = useState<XAxisKind>("step");
  const [logY, setLogY] = useState(false);
  const [smoothing, setSmoothing] = useState(0.6);
  const [onlyDiff, setOnlyDiff] = useState(true);

  const all = useQuery(trpc.run.list.queryOptions({ limit: 500 }));
  const compare = useQuery({ ...trpc.compare.runs.queryOptions({ ids }), enabled: ids.length > 0 });
  const keys = useQuery({ ...trpc.metrics.keys.queryOptions({ runIds: ids }), enabled: ids.length > 0 });
  const anyRunning = compare.data?.runs.some((r) => r.status === "RUNNING" || r.status === "QUEUED") ?? false;
  const series = useQuery({
    ...trpc.metrics.series.queryOptions(seriesInput(ids, metric)),
    enabled: ids.length > 0,
    refetchInterval: anyRunning ? 3000 : false,
    placeholderData: (p) => p,
  });

  const chart = useMemo(() => {
    const names = new Map(compare.data?.runs.map((r) => [r.id, r.name]));
    return (series.data ?? []).map((s, i) => ({ id: s.runId, label: names.get(s.runId) ?? s.runId, color: PALETTE[i % PALETTE.length]!, points: toPoints(s, x, smoothing, logY) }));
  }, [series.data, compare.data, x, smoothing, logY]);

  const keyOptions = keys.data?.map((k) => k.key).filter((k) => !k.startsWith(METRIC_KEYS.trainEpoch) && k !== METRIC_KEYS.trainTokens) ?? [];
  const addable = (all.data?.runs ?? []).filter((r) => !ids.includes(r.id));
  const summaryKeys = [...new Set((compare.data?.runs ?? []).flatMap((r) => Object.keys(r.summary)))].sort();
  const rows = compare.data?.config.filter((r) => !onlyDiff || r.differs) ?? [];

  return (
    <>
      <h1>Compare</h1>
      <section className="panel row" aria-label="Runs to compare">
        {ids.map((id, i) => {
          const r = compare.data?.runs.find((x) => x.id === id);
          return (
            <span key={id} className="tag" style={{ background: "#fff", border: `2px solid ${PALETTE[i % PALETTE.length]}`, color: "var(--text)", padding: "2px 6px" }}>
              <Link href={`/runs/${id}`}>{r?.name ?? id}</Link>{" "}
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
      </section>
      {ids.length === 0 ? (
        <Empty>Pick runs above, or select them on the <Link href="/">runs page</Link>.</Empty>
      ) : (
        <>
          <ErrorBox error={compare.error ?? series.error ?? keys.error} title="Cannot load the comparison" />
          <section className="panel row" aria-label="Chart options">
            <label>
              metric
              <select aria-label="Metric" value={metric} onChange={(e) => setMetric(e.target.value)}>
                {(keyOptions.includes(metric) ? keyOptions : [metric, ...keyOptions]).map((k) => (
                  <option key={k}>{k}</option>
                ))}
              </select>
            </label>
            <label>
              x-axis
              <select aria-label="X axis" value={x} onChange={(e) => setX(e.target.value as XAxisKind)}>
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
            <label htmlFor="cmp-smoothing">smoothing</label>
            <input id="cmp-smoothing" type="range" min={0} max={0.99} step={0.01} value={smoothing} onChange={(e) => setSmoothing(Number(e.target.value))} />
            <span className="mono small">{smoothing.toFixed(2)}</span>
            <span className="muted small">EMA, debiased (TensorBoard); min and max per pixel bucket kept on the server</span>
          </section>
          {series.isLoading ? <Loading what="series" /> : <LineChartPanel testId="compare-chart" title={metric} series={chart} xLabel={X_LABEL[x]} logY={logY} showRaw={smoothing > 0} height={340} empty={`No ${metric} points for these runs.`} />}

          <section className="panel table-wrap" aria-label="Final metrics">
            <h2>Runs</h2>
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
                  {compare.data.runs.map((r, i) => (
                    <tr key={r.id}>
                      <td>
                        <span style={{ color: PALETTE[i % PALETTE.length] }}>■</span> <Link href={`/runs/${r.id}`}>{r.name}</Link>
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
            ) : (
              <Loading what="runs" />
            )}
          </section>

          <section className="panel table-wrap" aria-label="Config diff">
            <div className="row">
              <h2 style={{ margin: 0 }}>Config</h2>
              <span className="muted small">{compare.data ? `${compare.data.config.filter((r) => r.differs).length} of ${compare.data.config.length} keys differ` : ""}</span>
              <label className="small">
                <input type="checkbox" checked={onlyDiff} onChange={(e) => setOnlyDiff(e.target.checked)} /> only differences
              </label>
            </div>
            {rows.length ? (
              <table>
                <thead>
                  <tr>
                    <th>key</th>
                    {compare.data?.runs.map((r) => (
                      <th key={r.id}>{r.name}</th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {rows.map((row) => (
                    <tr key={row.key} className={row.differs ? "diff-row" : undefined} data-differs={row.differs}>
                      <td className="mono">{row.key}</td>
                      {row.values.map((v, i) => (
                        <td key={i} className="mono">
                          {fmt(v)}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p className="muted small">{compare.data ? "The configs are identical." : ""}</p>
            )}
          </section>
        </>
      )}
    </>
  );
}
