"use client";
// A tagger's reports on the run page (issue 18), for the test split (best weights) and the latest
// validation: entity precision/recall/F1 by type (NER, conlleval) and the tag confusion, rows gold
// and columns predicted, each cell coloured by its share of the gold row (a rare tag's errors show
// as plainly as O's), the largest off-diagonal confusions outlined and listed below.
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { topConfusions, type TagReportDoc, type TypeScoresDoc } from "@unroll/domain";
import { formatInt } from "~/lib/format";
import { useTRPC } from "~/trpc/react";
import { ErrorBox } from "./ui";

type Split = "test" | "valid";
const TOP = 3;

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** White at 0 to deep blue at 1 (a share of the gold row). */
function shareColor(share: number): string {
  const x = Math.max(0, Math.min(1, share));
  const mix = (to: number) => Math.round(255 + (to - 255) * x);
  return `rgb(${mix(30)}, ${mix(64)}, ${mix(175)})`;
}

function ScoresTable({ entities }: { entities: NonNullable<TagReportDoc["entities"]> }) {
  const row = (name: string, s: TypeScoresDoc, all = false) => (
    <tr key={name} data-type={name} style={all ? { fontWeight: 600 } : undefined}>
      <td>{name}</td>
      <td className="num">{formatInt(s.gold)}</td>
      <td className="num">{formatInt(s.predicted)}</td>
      <td className="num">{formatInt(s.correct)}</td>
      <td className="num">{pct(s.precision)}</td>
      <td className="num">{pct(s.recall)}</td>
      <td className="num" data-metric="f1">
        {pct(s.f1)}
      </td>
    </tr>
  );
  return (
    <table data-testid="entity-scores" style={{ width: "auto", marginBottom: 10 }}>
      <thead>
        <tr>
          <th>entity type</th>
          <th className="num">gold</th>
          <th className="num">predicted</th>
          <th className="num">correct</th>
          <th className="num">precision</th>
          <th className="num">recall</th>
          <th className="num">F1</th>
        </tr>
      </thead>
      <tbody>
        {Object.entries(entities.byType).map(([type, s]) => row(type, s))}
        {row("all", entities.overall, true)}
      </tbody>
    </table>
  );
}

function ConfusionTable({ report }: { report: TagReportDoc }) {
  const top = topConfusions(report, TOP);
  const isTop = (g: string, p: string) => top.some((c) => c.gold === g && c.predicted === p);
  return (
    <div className="table-wrap">
      <table data-testid="confusion" className="small" style={{ width: "auto" }}>
        <thead>
          <tr>
            <th title="rows: gold tag; columns: predicted tag">gold \ predicted</th>
            {report.tags.map((t) => (
              <th key={t} className="num mono">
                {t}
              </th>
            ))}
            <th className="num">recall</th>
          </tr>
        </thead>
        <tbody>
          {report.confusion.map((counts, g) => {
            const gold = report.tags[g] ?? "?";
            const total = counts.reduce((a, b) => a + b, 0);
            return (
              <tr key={gold}>
                <th className="mono">{gold}</th>
                {counts.map((count, p) => {
                  const predicted = report.tags[p] ?? "?";
                  const share = total ? count / total : 0;
                  const highlight = isTop(gold, predicted);
                  return (
                    <td
                      key={predicted}
                      className="num"
                      data-gold={gold}
                      data-predicted={predicted}
                      data-count={count}
                      data-top={highlight ? "1" : undefined}
                      title={`gold ${gold} predicted ${predicted}: ${formatInt(count)} (${pct(share)} of gold ${gold})`}
                      style={{
                        background: shareColor(share),
                        color: share > 0.55 ? "#fff" : undefined,
                        outline: highlight ? "2px solid #dc2626" : undefined,
                        outlineOffset: -2,
                        fontWeight: g === p ? 600 : undefined,
                      }}
                    >
                      {formatInt(count)}
                    </td>
                  );
                })}
                <td className="num">{pct(total ? (counts[g] ?? 0) / total : 0)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {top.length ? (
        <p className="small" data-testid="top-confusions">
          Largest confusions (outlined):{" "}
          {top.map((c, i) => (
            <span key={`${c.gold}-${c.predicted}`}>
              {i ? "; " : ""}
              <span className="mono">{c.gold}</span> read as <span className="mono">{c.predicted}</span> {formatInt(c.count)} times ({pct(c.share)})
            </span>
          ))}
          .
        </p>
      ) : null}
    </div>
  );
}

/** `live`: the run is still going (a validation adds a report). */
export function TagReportPanel({ runId, live = false }: { runId: string; live?: boolean }) {
  const trpc = useTRPC();
  const q = useQuery({ ...trpc.diagnostics.tagReports.queryOptions({ runId }), refetchInterval: live ? 5000 : false });
  const [picked, setPicked] = useState<Split>();
  const title = "Entity scores and tag confusion";
  if (q.error) return <ErrorBox error={q.error} title="Cannot load the tagging report" />;
  const reports = { test: q.data?.test ?? null, valid: q.data?.valid ?? null };
  const split: Split = picked && reports[picked] ? picked : reports.test ? "test" : "valid";
  const shown = reports[split];
  if (!shown) {
    return (
      <section className="panel" aria-label={title}>
        <h2>{title}</h2>
        <p className="muted small">{q.isPending ? "Loading…" : "None yet: written at each validation and after the test."}</p>
      </section>
    );
  }
  const r = shown.report;
  const label = (s: Split) => {
    const x = reports[s];
    if (!x) return s === "test" ? "Test (not yet)" : "Validation (not yet)";
    return s === "test" ? `Test, best weights (step ${formatInt(x.report.weightsStep ?? x.step)})` : `Latest validation (step ${formatInt(x.step)})`;
  };
  return (
    <section className="panel" aria-label={title} data-testid="tag-report" data-split={split}>
      <div className="chart-title">
        <h2>{title}</h2>
        <span className="muted small">
          {formatInt(r.tokens)} tokens ·{" "}
          {r.decoding === "iob2" ? `best valid IOB2 sequence (argmax had ${formatInt(r.argmaxInvalid ?? 0)} I- that continued no entity)` : "argmax"}
        </span>
      </div>
      <div className="row" role="group" aria-label="Split" style={{ marginBottom: 8 }}>
        {(["test", "valid"] as const).map((s) => (
          <button key={s} aria-pressed={s === split} className={s === split ? "primary" : undefined} disabled={!reports[s]} onClick={() => setPicked(s)}>
            {label(s)}
          </button>
        ))}
      </div>
      {r.entities ? <ScoresTable entities={r.entities} /> : null}
      <ConfusionTable report={r} />
    </section>
  );
}
