"use client";
// Parallel coordinates (W&B, MLflow, Aim): one line per run across the config keys that differ
// and the final metric, coloured by the metric; drag along an axis to brush a range, and only the
// runs inside every brush stay lit. Beside it, each key's importance for the metric (params.coordinates).
import { useEffect, useMemo, useRef, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@unroll/api";
import { formatInt, formatNumber, formatPercent } from "~/lib/format";
import { useTRPC } from "~/trpc/react";
import { ErrorBox } from "./ui";

type Coordinates = inferRouterOutputs<AppRouter>["params"]["coordinates"];
type RunSetInput = inferRouterInputs<AppRouter>["params"]["coordinates"]["runs"];

const HEIGHT = 300;
const PAD = { top: 24, bottom: 28, side: 50 };

interface Axis {
  key: string;
  /** A run's position on the axis, 0 (bottom) .. 1 (top); null: no value. */
  at: (v: unknown) => number | null;
  ticks: { at: number; label: string }[];
}

function makeAxes(data: Coordinates): Axis[] {
  const axes: Axis[] = data.axes.map((a, i) => {
    if (a.kind === "category") {
      const cats = a.categories ?? [];
      const at = (v: unknown) => (v === null ? null : cats.length < 2 ? 0.5 : cats.indexOf(String(v)) / (cats.length - 1));
      return { key: a.key, at, ticks: cats.map((c) => ({ at: at(c)!, label: c })) };
    }
    const xs = data.runs.map((r) => r.values[i]).filter((v): v is number => typeof v === "number");
    const [lo, hi] = [Math.min(...xs), Math.max(...xs)];
    const at = (v: unknown) => (typeof v !== "number" ? null : hi === lo ? 0.5 : (v - lo) / (hi - lo));
    return {
      key: a.key,
      at,
      ticks:
        hi === lo
          ? [{ at: 0.5, label: formatNumber(lo) }]
          : [
              { at: 0, label: formatNumber(lo) },
              { at: 1, label: formatNumber(hi) },
            ],
    };
  });
  const ms = data.runs.map((r) => r.metric).filter((v): v is number => v !== null);
  const [lo, hi] = [Math.min(...ms), Math.max(...ms)];
  const at = (v: unknown) => (typeof v !== "number" ? null : hi === lo ? 0.5 : (v - lo) / (hi - lo));
  axes.push({
    key: data.metric,
    at,
    ticks: ms.length
      ? [
          { at: 0, label: formatNumber(lo) },
          { at: 1, label: formatNumber(hi) },
        ]
      : [],
  });
  return axes;
}

/** Blue (low metric) to red (high). */
const metricColor = (t: number | null) => (t === null ? "#9ca3af" : `hsl(${Math.round(220 - 220 * t)} 70% 45%)`);

export function ParallelCoordinates({ runs, metric }: { runs: RunSetInput; metric: string }) {
  const trpc = useTRPC();
  const q = useQuery({ ...trpc.params.coordinates.queryOptions({ runs, metric }), placeholderData: (p) => p });
  const [width, setWidth] = useState(900);
  const box = useRef<HTMLDivElement>(null);
  // brushes by axis key: [lo, hi] in axis units (0..1)
  const [brushes, setBrushes] = useState<Record<string, [number, number]>>({});
  const [drag, setDrag] = useState<{ key: string; from: number; to: number } | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => setWidth(Math.max(300, Math.round(entry!.contentRect.width))));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const data = q.data;
  const axes = useMemo(() => (data ? makeAxes(data) : []), [data]);
  const plot = HEIGHT - PAD.top - PAD.bottom;
  const xOf = (i: number) => PAD.side + (axes.length < 2 ? 0 : (i * (width - 2 * PAD.side)) / (axes.length - 1));
  const yOf = (t: number) => PAD.top + (1 - t) * plot;
  const tOf = (y: number) => Math.min(1, Math.max(0, 1 - (y - PAD.top) / plot));
  const valuesOf = (r: Coordinates["runs"][number]) => [...r.values, r.metric];
  const inside = (r: Coordinates["runs"][number]) =>
    axes.every((a, i) => {
      const b = brushes[a.key];
      if (!b) return true;
      const t = a.at(valuesOf(r)[i]);
      return t !== null && t >= b[0] - 1e-9 && t <= b[1] + 1e-9;
    });
  const lit = data ? data.runs.filter(inside) : [];
  const litIds = new Set(lit.map((r) => r.id));
  const metricAxis = axes.at(-1);
  const rect = () => box.current?.querySelector("svg")?.getBoundingClientRect();

  return (
    <section className="panel" aria-label="Parallel coordinates">
      <div className="row">
        <h2 style={{ margin: 0 }}>Parameters</h2>
        <span className="muted small" data-testid="brushed-count">
          {data ? `${formatInt(lit.length)} of ${formatInt(data.runs.length)} runs${Object.keys(brushes).length ? " in the brushes" : ""}` : ""}
        </span>
        <span className="muted small">drag along an axis to brush a range; click an axis to clear its brush</span>
        {Object.keys(brushes).length ? (
          <button className="link" onClick={() => setBrushes({})}>
            clear brushes
          </button>
        ) : null}
      </div>
      <ErrorBox error={q.error} title="Cannot load the parameters" />
      {data && data.axes.length === 0 ? <p className="muted small">The configs do not differ (besides seeds): nothing to draw.</p> : null}
      <div ref={box} style={{ width: "100%" }}>
        {data && data.axes.length ? (
          <svg
            width={width}
            height={HEIGHT}
            data-testid="parallel-coords"
            data-runs={data.runs.length}
            data-lit={lit.length}
            role="img"
            aria-label={`Parallel coordinates: ${data.runs.length} runs over ${axes.length} axes`}
            onMouseMove={(e) => drag && setDrag({ ...drag, to: tOf(e.clientY - (rect()?.top ?? 0)) })}
            onMouseUp={() => {
              if (!drag) return;
              const [lo, hi] = [Math.min(drag.from, drag.to), Math.max(drag.from, drag.to)];
              setBrushes((b) => {
                const next = { ...b };
                if (hi - lo < 0.01) delete next[drag.key];
                else next[drag.key] = [lo, hi];
                return next;
              });
              setDrag(null);
            }}
          >
            {data.runs.map((r) => {
              const pts = valuesOf(r)
                .map((v, i) => {
                  const t = axes[i]!.at(v);
                  return t === null ? null : `${xOf(i).toFixed(1)},${yOf(t).toFixed(1)}`;
                })
                .filter((p) => p !== null);
              const on = litIds.has(r.id);
              return (
                <polyline
                  key={r.id}
                  data-run-id={r.id}
                  data-lit={on}
                  points={pts.join(" ")}
                  fill="none"
                  stroke={on ? metricColor(metricAxis?.at(r.metric) ?? null) : "#d1d5db"}
                  strokeOpacity={on ? 0.75 : 0.35}
                  strokeWidth={on ? 1.3 : 1}
                >
                  <title>{r.name}</title>
                </polyline>
              );
            })}
            {axes.map((a, i) => {
              const b: [number, number] | undefined = drag?.key === a.key ? [Math.min(drag.from, drag.to), Math.max(drag.from, drag.to)] : brushes[a.key];
              return (
                <g key={a.key}>
                  <line x1={xOf(i)} x2={xOf(i)} y1={PAD.top} y2={PAD.top + plot} stroke="#374151" />
                  <text x={xOf(i)} y={14} fontSize={11} textAnchor="middle" fill="#1d2430" className="mono">
                    {a.key}
                  </text>
                  {a.ticks.map((t) => (
                    <text key={t.label} x={xOf(i) + 5} y={yOf(t.at) + 4} fontSize={10} fill="#5d6b7e">
                      {t.label}
                    </text>
                  ))}
                  {b ? (
                    <rect
                      x={xOf(i) - 7}
                      width={14}
                      y={yOf(b[1])}
                      height={Math.max(2, yOf(b[0]) - yOf(b[1]))}
                      fill="#2563eb"
                      fillOpacity={0.25}
                      stroke="#2563eb"
                    />
                  ) : null}
                  <rect
                    data-axis={a.key}
                    x={xOf(i) - 12}
                    width={24}
                    y={PAD.top - 4}
                    height={plot + 8}
                    fill="transparent"
                    style={{ cursor: "ns-resize" }}
                    onMouseDown={(e) => {
                      e.preventDefault(); // a drag brushes; it selects no text
                      const t = tOf(e.clientY - (rect()?.top ?? 0));
                      setDrag({ key: a.key, from: t, to: t });
                    }}
                  />
                </g>
              );
            })}
          </svg>
        ) : null}
      </div>
      {data?.importance.length ? (
        <table aria-label="Parameter importance" style={{ maxWidth: 640 }}>
          <thead>
            <tr>
              <th>config key</th>
              <th className="num" title="Share of the metric's variance a model of this key alone explains, normalised over the keys">
                importance
              </th>
              <th className="num" title="Pearson r for numbers; the correlation ratio (eta, no sign) for categories">
                correlation with {data.metric}
              </th>
            </tr>
          </thead>
          <tbody>
            {[...data.importance]
              .sort((a, b) => (b.importance ?? -1) - (a.importance ?? -1))
              .map((k) => (
                <tr key={k.key} data-key={k.key}>
                  <td className="mono">{k.key}</td>
                  <td className="num">
                    {k.importance === null ? "—" : formatPercent(k.importance)}
                    {k.importance !== null ? (
                      <span
                        className="bar"
                        style={{ display: "inline-block", width: Math.round(80 * k.importance), height: 8, marginLeft: 6, background: "var(--accent)" }}
                      />
                    ) : null}
                  </td>
                  <td className="num">{k.correlation === null ? "—" : formatNumber(k.correlation, 3)}</td>
                </tr>
              ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
