"use client";
// What a run started with, as its start told it (the runner stores the trainer's start lines): the
// pretrained vectors' coverage, what model.init copied, data repairs. A resumed run adds its own.
// Nothing is shown for a run whose start said nothing.
import { useQuery } from "@tanstack/react-query";
import { DIAGNOSTIC_KINDS, type StartNotesDoc } from "@unroll/domain";
import { formatInt } from "~/lib/format";
import { useTRPC } from "~/trpc/react";
import { ErrorBox } from "./ui";

/** `live`: the run is still going, so its start may not be stored yet. */
export function StartNotesPanel({ runId, live = false }: { runId: string; live?: boolean }) {
  const trpc = useTRPC();
  const q = useQuery({
    ...trpc.diagnostics.byRun.queryOptions({ runId, kind: DIAGNOSTIC_KINDS.startNotes }),
    refetchInterval: (query) => (live && !query.state.data?.points.length ? 5000 : false),
  });
  if (q.error) return <ErrorBox error={q.error} title="Cannot load what the run started with" />;
  const starts = (q.data?.points ?? []) as { step: number; data: StartNotesDoc }[];
  if (!starts.length) return null;
  return (
    <section className="panel" aria-label="Started with">
      <h3>Started with</h3>
      {starts.map((s) => (
        <div key={s.step}>
          {starts.length > 1 || s.step > 0 ? <p className="muted small">{s.step > 0 ? `resumed at step ${formatInt(s.step)}` : "first start"}</p> : null}
          <ul className="small" data-testid="start-notes">
            {s.data.lines.map((line, i) => (
              <li key={i}>{line}</li>
            ))}
          </ul>
        </div>
      ))}
    </section>
  );
}
