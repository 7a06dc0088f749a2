"use client";
// One run: status, worker, backend and device, live curves, samples, checkpoints, config, and
// the stored error text when it failed.
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMemo, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { formatBytes, formatDuration, formatInt, formatNumber, formatTime, runDuration } from "~/lib/format";
import { toPoints } from "~/lib/smoothing";
import { ALL_MAIN_METRICS, CANCELLABLE_STATUSES, mainMetricKeys, METRIC_KEYS } from "@unroll/domain";
import { useTRPC } from "~/trpc/react";
import { LineChartPanel, PALETTE } from "./chart";
import { GradNormPanel, LossByPositionPanel } from "./diagnostics-panel";
import { StartNotesPanel } from "./start-notes-panel";
import { SystemPanel } from "./system-panel";
import { TagReportPanel } from "./tag-report-panel";
import { Dialog, Empty, ErrorBox, Loading, StatusBadge } from "./ui";
import { LiveStatus } from "./live-status";

/** The series this page draws: training loss and speed, every task's main metrics, validation loss. */
const KEYS = [METRIC_KEYS.trainLoss, METRIC_KEYS.trainTokensPerSecond, ...ALL_MAIN_METRICS, METRIC_KEYS.validLoss];

interface Points {
  steps: number[];
  values: (number | null)[];
  wallTimes: number[];
}

export function RunPage({ id }: { id: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const run = useQuery(trpc.run.get.queryOptions({ id }));
  const samples = useQuery(trpc.run.samples.queryOptions({ id, limit: 60 }));
  const initial = useQuery({ ...trpc.metrics.series.queryOptions({ runIds: [id], keys: KEYS, maxPoints: 1200 }), staleTime: Infinity });
  const [extra, setExtra] = useState<Record<string, Points>>({});
  const [smoothing, setSmoothing] = useState(0.6);
  const [confirmDelete, setConfirmDelete] = useState(false);

  const since = useMemo(() => Object.fromEntries((initial.data ?? []).map((s) => [s.key, s.steps.at(-1) ?? -1])), [initial.data]);
  const live = useSubscription(
    trpc.live.run.subscriptionOptions(
      { runId: id, keys: KEYS, since },
      {
        enabled: initial.isSuccess,
        onData: ({ data }) => {
          const added = Object.entries(data.points);
          if (added.length) {
            setExtra((prev) => {
              const next = { ...prev };
              for (const [key, p] of added) {
                const old = next[key] ?? { steps: [], values: [], wallTimes: [] };
                next[key] = { steps: [...old.steps, ...p.steps], values: [...old.values, ...p.values], wallTimes: [...old.wallTimes, ...p.wallTimes] };
              }
              return next;
            });
          }
          void qc.invalidateQueries({ queryKey: trpc.run.get.queryKey({ id }) });
          void qc.invalidateQueries({ queryKey: trpc.run.samples.queryKey({ id }) });
          // Diagnostics are written with the run's last flush, just before it ends: a run that
          // finishes between two of the panels' polls must still show them.
          // (every diagnostics query: the panels' documents and the tagging report)
          if (data.run && data.run.status !== "RUNNING" && data.run.status !== "QUEUED") void qc.invalidateQueries({ queryKey: trpc.diagnostics.pathKey() });
        },
      },
    ),
  );

  const series = useMemo(() => {
    const m = new Map<string, Points>();
    for (const s of initial.data ?? []) {
      const e = extra[s.key];
      const last = s.steps.at(-1) ?? -Infinity;
      const keep = e ? e.steps.map((st, i) => (st > last ? i : -1)).filter((i) => i >= 0) : [];
      m.set(s.key, {
        steps: [...s.steps, ...keep.map((i) => e!.steps[i]!)],
        values: [...s.values, ...keep.map((i) => e!.values[i] ?? null)],
        wallTimes: [...s.wallTimes, ...keep.map((i) => e!.wallTimes[i]!)],
      });
    }
    return m;
  }, [initial.data, extra]);

  const invalidate = () => qc.invalidateQueries({ queryKey: trpc.run.get.queryKey({ id }) });
  const cancel = useMutation(trpc.run.cancel.mutationOptions({ onSettled: invalidate }));
  const del = useMutation(trpc.run.delete.mutationOptions({ onSuccess: () => router.push("/") }));
  const setTags = useMutation(trpc.run.setTags.mutationOptions({ onSettled: invalidate }));
  const setNotes = useMutation(trpc.run.setNotes.mutationOptions({ onSettled: invalidate }));
  const [tagText, setTagText] = useState<string | null>(null);
  const [notesText, setNotesText] = useState<string | null>(null);

  if (run.isLoading) return <Loading what="run" />;
  if (run.error) return <ErrorBox error={run.error} title="Cannot load this run" />;
  const r = run.data!;
  const task = r.task ?? "lm";
  const line = (key: string, label: string, color: string, smooth = 0) => {
    const s = series.get(key);
    return s ? { id: key, label, color, points: toPoints(s, "step", smooth, false) } : { id: key, label, color, points: [] };
  };
  const active = CANCELLABLE_STATUSES.includes(r.status);
  const summary = Object.entries(r.summary);

  return (
    <>
      <div className="row" style={{ marginBottom: 8 }}>
        <h1 style={{ margin: 0 }}>{r.name}</h1>
        <StatusBadge status={r.status} cancelRequested={r.cancelRequested} />
        <span className="muted small">
          in <Link href={`/?q=${encodeURIComponent(r.experiment.name)}`}>{r.experiment.name}</Link> · {r.id}
        </span>
        <LiveStatus live={live} />
        <span className="spacer" />
        <Link className="button" href={`/compare?ids=${r.id}`}>
          Compare…
        </Link>
        <Link className="button" href={`/diagnostics?ids=${r.id}`}>
          Diagnostics overlay…
        </Link>
        {r.checkpoints.length ? (
          <Link className="button" href={`/playground?run=${r.id}`}>
            Playground
          </Link>
        ) : null}
        <button disabled={!active || r.cancelRequested || cancel.isPending} onClick={() => cancel.mutate({ id })}>
          Cancel run
        </button>
        <button
          className="danger"
          disabled={r.status === "RUNNING"}
          title={r.status === "RUNNING" ? "Cancel it first" : undefined}
          onClick={() => setConfirmDelete(true)}
        >
          Delete…
        </button>
      </div>
      <ErrorBox error={cancel.error ?? del.error ?? setTags.error ?? setNotes.error} title="The action failed" />
      {r.error ? (
        <div className="error-box" role="alert" aria-label="Run error">
          <strong>
            {r.status === "FAILED" ? "This run failed" : "Last error"} at step {formatInt(r.step)}
          </strong>
          <pre>{r.error}</pre>
        </div>
      ) : null}
      {r.device?.includes("slow path") ? (
        <div className="warn-box" role="note" data-testid="slow-path">
          Trained on the slow path: the worker on {r.worker?.host ?? r.host ?? "its machine"} has no native OpenBLAS addon ({r.device}), several times slower.
          On that machine, run <code>pnpm --filter @unroll/native-blas build</code>; its output names anything missing.
        </div>
      ) : null}
      {r.status === "CRASHED" ? (
        <div className="warn-box">
          The worker stopped heartbeating; the run {r.attempt < r.maxAttempts ? "will resume from its last checkpoint" : "has no attempts left"} (attempt{" "}
          {r.attempt} of {r.maxAttempts}).
        </div>
      ) : null}

      <StartNotesPanel runId={id} live={active} />

      <div className="grid grid-3">
        <section className="panel" aria-label="Status">
          <h3>Status</h3>
          <dl className="kv">
            <dt>step</dt>
            <dd>
              {formatInt(r.step)}
              {typeof (r.config.train as { maxSteps?: number } | undefined)?.maxSteps === "number"
                ? ` / ${formatInt((r.config.train as { maxSteps: number }).maxSteps)}`
                : ""}
            </dd>
            <dt>parameters</dt>
            <dd data-testid="param-count">{formatInt(r.paramCount)}</dd>
            <dt>attempt</dt>
            <dd>
              {r.attempt} of {r.maxAttempts}
            </dd>
            <dt>created</dt>
            <dd>{formatTime(r.createdAt)}</dd>
            <dt>started</dt>
            <dd>{formatTime(r.startedAt)}</dd>
            <dt>finished</dt>
            <dd>{formatTime(r.finishedAt)}</dd>
            <dt>duration</dt>
            <dd>{formatDuration(runDuration(r.startedAt, r.finishedAt))}</dd>
          </dl>
        </section>
        <section className="panel" aria-label="Worker">
          <h3>Worker</h3>
          <dl className="kv">
            <dt>host</dt>
            <dd>{r.worker?.host ?? r.host ?? "—"}</dd>
            <dt>worker</dt>
            <dd>{r.worker ? `${r.worker.id.slice(0, 8)} · pid ${r.worker.pid} · ${r.worker.status.toLowerCase()}` : "—"}</dd>
            <dt>backend</dt>
            <dd data-testid="backend">{r.backend ?? "—"}</dd>
            <dt>device</dt>
            <dd>{r.device ?? "—"}</dd>
            <dt>heartbeat</dt>
            <dd>{formatTime(r.heartbeatAt)}</dd>
          </dl>
        </section>
        <section className="panel" aria-label="Final metrics">
          <h3>Summary</h3>
          {summary.length ? (
            <dl className="kv">
              {summary.map(([k, v]) => (
                <div key={k} style={{ display: "contents" }}>
                  <dt>{k}</dt>
                  <dd>{formatNumber(v)}</dd>
                </div>
              ))}
            </dl>
          ) : (
            <p className="muted small">Written when the run ends.</p>
          )}
          <h3 style={{ marginTop: 10 }}>Tags and notes</h3>
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              setTags.mutate({
                id,
                tags: (tagText ?? "")
                  .split(",")
                  .map((t) => t.trim())
                  .filter(Boolean),
              });
              setTagText(null);
            }}
          >
            <input
              aria-label="Tags (comma-separated)"
              value={tagText ?? r.tags.join(", ")}
              onChange={(e) => setTagText(e.target.value)}
              placeholder="tags, comma-separated"
            />
            <button type="submit" disabled={tagText === null}>
              Save tags
            </button>
          </form>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              setNotes.mutate({ id, notes: notesText ?? "" });
              setNotesText(null);
            }}
            style={{ marginTop: 6 }}
          >
            <textarea aria-label="Notes" rows={2} value={notesText ?? r.notes} onChange={(e) => setNotesText(e.target.value)} placeholder="notes" />
            <button type="submit" disabled={notesText === null}>
              Save notes
            </button>
          </form>
        </section>
      </div>

      <div className="row small" style={{ margin: "4px 0 8px" }}>
        <label htmlFor="smoothing">Smoothing (EMA)</label>
        <input id="smoothing" type="range" min={0} max={0.99} step={0.01} value={smoothing} onChange={(e) => setSmoothing(Number(e.target.value))} />
        <span className="mono">{smoothing.toFixed(2)}</span>
      </div>
      <ErrorBox error={initial.error} title="Cannot load metrics" />
      <div className="grid grid-2">
        <LineChartPanel
          testId="chart-train-loss"
          title="Training loss"
          series={[line(METRIC_KEYS.trainLoss, "train loss", PALETTE[0]!, smoothing)]}
          showRaw={smoothing > 0}
          empty={r.status === "QUEUED" ? "Waiting for a worker to pick this run up…" : "No training steps logged yet."}
        />
        <LineChartPanel
          testId="chart-valid"
          title={task === "lm" ? "Validation perplexity" : task === "tagger" ? "Validation F1 / accuracy" : "Validation accuracy / macro-F1"}
          series={mainMetricKeys(task).map((k, i) => line(k, k.replace("valid/", ""), PALETTE[i + 1]!))}
          empty="No evaluation yet (every train.evalEvery steps)."
        />
        <LineChartPanel
          testId="chart-tokens"
          title="Tokens per second"
          series={[line(METRIC_KEYS.trainTokensPerSecond, "tokens/s", PALETTE[2]!, smoothing)]}
          empty="No training steps logged yet."
        />
        <SystemPanel runId={id} refreshMs={active ? 5000 : false} />
        <section className="panel" aria-label="Checkpoints">
          <h2>Checkpoints</h2>
          {r.checkpoints.length ? (
            <table>
              <thead>
                <tr>
                  <th>kind</th>
                  <th className="num">step</th>
                  <th className="num">size</th>
                  <th>metrics</th>
                  <th>saved</th>
                </tr>
              </thead>
              <tbody>
                {r.checkpoints.map((c) => (
                  <tr key={c.id}>
                    <td>{c.kind.toLowerCase()}</td>
                    <td className="num">{formatInt(c.step)}</td>
                    <td className="num">{formatBytes(c.size)}</td>
                    <td className="small">
                      {Object.entries(c.metrics)
                        .map(([k, v]) => `${k} ${formatNumber(v)}`)
                        .join(", ") || "—"}
                    </td>
                    <td className="small">{formatTime(c.updatedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <Empty>No checkpoint yet (every train.checkpointEvery steps and at the end).</Empty>
          )}
        </section>
      </div>

      {task === "tagger" ? <TagReportPanel runId={id} live={active} /> : null}
      <GradNormPanel runId={id} live={active} />
      <LossByPositionPanel runId={id} live={active} />

      <section className="panel" aria-label="Samples">
        <h2>Samples {r.sampleCount ? <span className="muted small">({formatInt(r.sampleCount)})</span> : null}</h2>
        <ErrorBox error={samples.error} title="Cannot load samples" />
        {samples.data?.length ? (
          <table>
            <thead>
              <tr>
                <th className="num">step</th>
                <th>prompt</th>
                <th>text</th>
              </tr>
            </thead>
            <tbody>
              {samples.data.map((s) => (
                <tr key={s.id}>
                  <td className="num">{formatInt(s.step)}</td>
                  <td className="mono">{JSON.stringify(s.prompt)}</td>
                  <td>
                    <pre className="sample-text">{s.text}</pre>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted small">
            {task === "lm" ? "Language models log samples every train.sampleEvery steps." : "Samples are logged by language models only."}
          </p>
        )}
      </section>

      <section className="panel" aria-label="Config">
        <h2>Config</h2>
        <pre>{JSON.stringify(r.config, null, 2)}</pre>
      </section>

      <Dialog open={confirmDelete} onClose={() => setConfirmDelete(false)} title="Delete this run?">
        <p>
          This deletes {r.name} with its {formatInt(r.metricPointCount)} metric points, samples and checkpoints. It cannot be undone.
        </p>
        <div className="row">
          <button
            className="danger solid"
            onClick={() => {
              del.mutate({ ids: [id] });
              setConfirmDelete(false);
            }}
          >
            Delete
          </button>
          <button autoFocus onClick={() => setConfirmDelete(false)}>
            Keep it
          </button>
        </div>
      </Dialog>
    </>
  );
}
