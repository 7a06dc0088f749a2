"use client";
// The run page's gradient norm through time (issue 15): at each validation, ||dL/dh_t|| on a fixed
// probe batch for every BPTT position, as a heatmap (x: training step, y: position, colour: log10
// norm) and, for the step picked on it, as a line over positions. The chapter's vanishing gradient:
// an Elman tanh network's norms fall by orders of magnitude a few steps back from the loss.
import { useMemo, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { DIAGNOSTIC_KINDS } from "@unroll/domain";
import { formatInt, formatNumber } from "~/lib/format";
import { gradNormMatrix, heatColor, logRange, rowLabel, type GradDoc } from "~/lib/heatmap";
import { useTRPC } from "~/trpc/react";
import { LineChartPanel, PALETTE } from "./chart";
import { Heatmap } from "./heatmap";
import { ErrorBox } from "./ui";

/** `live`: the run is still going (re-read every few seconds: a validation adds a column). */
export function GradNormPanel({ runId, live = false }: { runId: string; live?: boolean }) {
  const trpc = useTRPC();
  const q = useQuery({ ...trpc.diagnostics.byRun.queryOptions({ runId, kind: DIAGNOSTIC_KINDS.gradNorm }), refetchInterval: live ? 5000 : false });
  const points = useMemo(() => (q.data?.points ?? []) as { step: number; data: GradDoc }[], [q.data]);
  const labels = useMemo(() => [...new Set(points.flatMap((p) => p.data.rows.map(rowLabel)))], [points]);
  const [picked, setPicked] = useState<string>();
  const label = picked && labels.includes(picked) ? picked : labels[0];
  const m = useMemo(() => (label ? gradNormMatrix(points, label) : undefined), [points, label]);
  const [col, setCol] = useState<number>();
  const selected = m && m.steps.length ? Math.min(col ?? m.steps.length - 1, m.steps.length - 1) : undefined;
  const range = useMemo(() => (m ? logRange(m.values) : undefined), [m]);
  if (q.error) return <ErrorBox error={q.error} title="Cannot load diagnostics" />;
  if (!m || m.steps.length === 0) {
    return (
      <section className="panel" aria-label="Gradient norm through time">
        <h2>Gradient norm through time</h2>
        <p className="muted small">{q.isPending ? "Loading…" : "None yet: taken at each validation when train.diagnostics is on (the default)."}</p>
      </section>
    );
  }
  const step = m.steps[selected!]!;
  const doc = points.find((p) => p.step === step)?.data;
  const initial = doc?.rows.find((r) => rowLabel(r) === label)?.initial;
  const line = [{ id: "norm", label: `step ${formatInt(step)}`, color: PALETTE[0]!, points: m.values.map((row, t) => { const v = row[selected!] ?? null; return { x: t, y: v !== null && v > 0 ? v : null }; }) }];
  return (
    <section className="panel" aria-label="Gradient norm through time" data-testid="grad-norm-panel">
      <div className="chart-title">
        <h2>Gradient norm through time ||dL/dh_t||</h2>
        <span className="muted small">
          loss at the window&apos;s last position · probe batch of {doc?.batch ?? "?"} · {m.steps.length} validations · log10 from {range ? formatNumber(range.min, 3) : "—"} to {range ? formatNumber(range.max, 3) : "—"}
        </span>
      </div>
      <div className="row">
        <label className="small">
          state{" "}
          <select aria-label="State" value={label} onChange={(e) => setPicked(e.target.value)}>
            {labels.map((l) => (
              <option key={l}>{l}</option>
            ))}
          </select>
        </label>
        <span className="muted small">Click a column for that step&apos;s line.</span>
      </div>
      <Heatmap
        testId="grad-norm-heatmap"
        values={m.values}
        color={(v) => heatColor(v, range)}
        rowLabel={(t) => String(t)}
        colLabel={(c) => formatInt(m.steps[c]!)}
        format={(v) => (v === null ? "—" : v.toExponential(2))}
        xTitle="step"
        yTitle="position"
        selectedCol={selected}
        onSelect={({ col: c }) => setCol(c)}
      />
      <LineChartPanel testId="grad-norm-line" title={`||dL/dh_t|| by position at step ${formatInt(step)} (reaching the initial state: ${initial === undefined ? "—" : initial.toExponential(2)})`} series={line} xLabel="position t" logY height={200} />
    </section>
  );
}
