"use client";
// The run page's diagnostics (issue 15), each a heatmap of position x validation step with the
// line of one step below it (click a column):
//   gradient norm through time: ||dL/dh_t|| on a fixed probe batch, colour log10 norm. The
//     chapter's vanishing gradient: an Elman tanh network's norms fall by orders of magnitude a few
//     steps back from the loss.
//   loss by position: the mean validation loss at each position of the BPTT window (taggers: from
//     the sentence start), what carried state and context length buy.
import { useMemo, useState, type ReactNode } from "react";
import { useQuery } from "@tanstack/react-query";
import { DIAGNOSTIC_KINDS, type DiagnosticKind } from "@unroll/domain";
import { formatInt, formatNumber } from "~/lib/format";
import { gradNormMatrix, heatColor, linearRange, logRange, lossMatrix, rowLabel, type GradDoc, type LossDoc, type Matrix } from "~/lib/heatmap";
import { useTRPC } from "~/trpc/react";
import { LineChartPanel, PALETTE } from "./chart";
import { Heatmap } from "./heatmap";
import { ErrorBox } from "./ui";

function useDiagnostics<T>(runId: string, kind: DiagnosticKind, live: boolean) {
  const trpc = useTRPC();
  const q = useQuery({ ...trpc.diagnostics.byRun.queryOptions({ runId, kind }), refetchInterval: live ? 5000 : false });
  const points = useMemo(() => (q.data?.points ?? []) as { step: number; data: T }[], [q.data]);
  return { q, points };
}

interface PositionStepPanelProps {
  title: string;
  testId: string;
  matrix: Matrix | undefined;
  pending: boolean;
  log: boolean;
  subtitle: (range: { min: number; max: number } | undefined) => ReactNode;
  lineTitle: (step: number) => string;
  controls?: ReactNode;
}

/** A position x step heatmap and the line of the clicked step. */
function PositionStepPanel({ title, testId, matrix: m, pending, log, subtitle, lineTitle, controls }: PositionStepPanelProps) {
  const [col, setCol] = useState<number>();
  const range = useMemo(() => (m ? (log ? logRange(m.values) : linearRange(m.values)) : undefined), [m, log]);
  if (!m || m.steps.length === 0) {
    return (
      <section className="panel" aria-label={title}>
        <h2>{title}</h2>
        <p className="muted small">{pending ? "Loading…" : "None yet: taken at each validation when train.diagnostics is on (the default)."}</p>
      </section>
    );
  }
  const selected = Math.min(col ?? m.steps.length - 1, m.steps.length - 1);
  const step = m.steps[selected]!;
  const line = [
    {
      id: testId,
      label: `step ${formatInt(step)}`,
      color: PALETTE[0]!,
      points: m.values.map((row, t) => ({ x: t, y: row[selected] !== null && (!log || row[selected]! > 0) ? row[selected]! : null })),
    },
  ];
  return (
    <section className="panel" aria-label={title} data-testid={`${testId}-panel`}>
      <div className="chart-title">
        <h2>{title}</h2>
        <span className="muted small">{subtitle(range)}</span>
      </div>
      <div className="row">
        {controls}
        <span className="muted small">Click a column for that step&apos;s line.</span>
      </div>
      <Heatmap
        testId={`${testId}-heatmap`}
        values={m.values}
        color={(v) => heatColor(v, range, log)}
        rowLabel={(t) => String(t)}
        colLabel={(c) => formatInt(m.steps[c]!)}
        format={(v) => (v === null ? "—" : log ? v.toExponential(2) : formatNumber(v, 4))}
        xTitle="step"
        yTitle="position"
        selectedCol={selected}
        onSelect={({ col: c }) => setCol(c)}
      />
      <LineChartPanel testId={`${testId}-line`} title={lineTitle(step)} series={line} xLabel="position t" logY={log} height={200} />
    </section>
  );
}

/** `live`: the run is still going (re-read every few seconds: a validation adds a column). */
export function GradNormPanel({ runId, live = false }: { runId: string; live?: boolean }) {
  const { q, points } = useDiagnostics<GradDoc>(runId, DIAGNOSTIC_KINDS.gradNorm, live);
  const labels = useMemo(() => [...new Set(points.flatMap((p) => p.data.rows.map(rowLabel)))], [points]);
  const [picked, setPicked] = useState<string>();
  const label = picked && labels.includes(picked) ? picked : labels[0];
  const m = useMemo(() => (label ? gradNormMatrix(points, label) : undefined), [points, label]);
  if (q.error) return <ErrorBox error={q.error} title="Cannot load diagnostics" />;
  const initialAt = (step: number) => points.find((p) => p.step === step)?.data.rows.find((r) => rowLabel(r) === label)?.initial;
  return (
    <PositionStepPanel
      title="Gradient norm through time ||dL/dh_t||"
      testId="grad-norm"
      matrix={m}
      pending={q.isPending}
      log
      subtitle={(range) =>
        `loss at the window's last position · probe batch of ${points.at(-1)?.data.batch ?? "?"} · log10 from ${range ? formatNumber(range.min, 3) : "—"} to ${range ? formatNumber(range.max, 3) : "—"}`
      }
      lineTitle={(step) => `||dL/dh_t|| by position at step ${formatInt(step)} (reaching the initial state: ${initialAt(step)?.toExponential(2) ?? "—"})`}
      controls={
        <label className="small">
          state{" "}
          <select aria-label="State" value={label} onChange={(e) => setPicked(e.target.value)}>
            {labels.map((l) => (
              <option key={l}>{l}</option>
            ))}
          </select>
        </label>
      }
    />
  );
}

export function LossByPositionPanel({ runId, live = false }: { runId: string; live?: boolean }) {
  const { q, points } = useDiagnostics<LossDoc>(runId, DIAGNOSTIC_KINDS.lossByPosition, live);
  const m = useMemo(() => lossMatrix(points), [points]);
  if (q.error) return <ErrorBox error={q.error} title="Cannot load the loss by position" />;
  const basis = points.at(-1)?.data.basis === "sentence" ? "from the sentence start" : "in the BPTT window";
  return (
    <PositionStepPanel
      title="Validation loss by position"
      testId="loss-position"
      matrix={m}
      pending={q.isPending}
      log={false}
      subtitle={(range) =>
        `mean loss at each position ${basis} · from ${range ? formatNumber(range.min, 4) : "—"} to ${range ? formatNumber(range.max, 4) : "—"}`
      }
      lineTitle={(step) => `Validation loss by position at step ${formatInt(step)}`}
    />
  );
}
