"use client";
// Runs: every experiment and run, filterable and sortable, live; select to compare or act.
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useMemo, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@unroll/api";
import { CANCELLABLE_STATUSES, RUN_STATUSES, type RunStatus } from "@unroll/domain";
import { formatDuration, formatInt, formatNumber, formatTime, runDuration } from "~/lib/format";
import { useTRPC } from "~/trpc/react";
import { Dialog, Empty, ErrorBox, Loading, StatusBadge, Tags } from "./ui";

type Row = inferRouterOutputs<AppRouter>["run"]["list"]["runs"][number];
type SortKey = "name" | "experimentName" | "status" | "task" | "cell" | "tied" | "paramCount" | "step" | "trainLoss" | "metric" | "createdAt" | "duration";

const cancellable = (r: Row) => CANCELLABLE_STATUSES.includes(r.status);

const sortValue = (r: Row, k: SortKey): string | number | null => {
  if (k === "metric") return r.metric?.value ?? null;
  if (k === "duration") return runDuration(r.startedAt, r.finishedAt);
  if (k === "tied") return r.tied === null ? null : r.tied ? 1 : 0;
  return r[k] as string | number | null;
};

export function RunsPage() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [status, setStatus] = useState<string[]>([]);
  const [task, setTask] = useState("");
  const [cell, setCell] = useState("");
  const [tied, setTied] = useState("");
  const [tag, setTag] = useState("");
  const params = useSearchParams();
  const [q, setQ] = useState(params.get("q") ?? "");
  const [sort, setSort] = useState<{ key: SortKey; dir: 1 | -1 }>({ key: "createdAt", dir: -1 });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [dialog, setDialog] = useState<"delete" | "notes" | "tag" | null>(null);
  const [text, setText] = useState("");

  const input = {
    status: status.length ? (status as RunStatus[]) : undefined,
    task: task ? [task] : undefined,
    cell: cell ? [cell] : undefined,
    tied: tied === "" ? undefined : tied === "tied",
    tag: tag || undefined,
    q: q.trim() || undefined,
  };
  const list = useQuery({ ...trpc.run.list.queryOptions(input), placeholderData: (prev) => prev });
  const live = useSubscription(trpc.live.runs.subscriptionOptions(undefined, { onData: () => void qc.invalidateQueries({ queryKey: trpc.run.list.queryKey() }) }));

  const invalidate = () => qc.invalidateQueries({ queryKey: trpc.run.list.queryKey() });
  const cancel = useMutation(trpc.run.cancel.mutationOptions({ onSettled: invalidate }));
  const setTags = useMutation(trpc.run.setTags.mutationOptions({ onSettled: invalidate }));
  const setNotes = useMutation(trpc.run.setNotes.mutationOptions({ onSettled: invalidate }));
  const del = useMutation(trpc.run.delete.mutationOptions({ onSettled: invalidate, onSuccess: () => setSelected(new Set()) }));
  const actionError = cancel.error ?? setTags.error ?? setNotes.error ?? del.error;

  const runs = useMemo(() => {
    const rows = [...(list.data?.runs ?? [])];
    rows.sort((a, b) => {
      const va = sortValue(a, sort.key);
      const vb = sortValue(b, sort.key);
      if (va === vb) return 0;
      if (va === null) return 1;
      if (vb === null) return -1;
      return (va < vb ? -1 : 1) * sort.dir;
    });
    return rows;
  }, [list.data, sort]);
  const allTags = useMemo(() => [...new Set((list.data?.runs ?? []).flatMap((r) => r.tags))].sort(), [list.data]);
  const chosen = runs.filter((r) => selected.has(r.id));
  const toggle = (id: string) => setSelected((s) => {
    const n = new Set(s);
    if (n.has(id)) n.delete(id);
    else n.add(id);
    return n;
  });

  const header = (key: SortKey, label: string, numeric = false) => (
    <th aria-sort={sort.key === key ? (sort.dir === 1 ? "ascending" : "descending") : "none"} className={numeric ? "num" : undefined}>
      <button className="sort" onClick={() => setSort((s) => ({ key, dir: s.key === key ? (-s.dir as 1 | -1) : numeric ? -1 : 1 }))}>
        {label} {sort.key === key ? (sort.dir === 1 ? "▲" : "▼") : ""}
      </button>
    </th>
  );

  return (
    <>
      <div className="row" style={{ marginBottom: 8 }}>
        <h1 style={{ margin: 0 }}>Runs</h1>
        <span className="muted small" title="Live updates over server-sent events">
          {live.status === "pending" ? "● live" : live.status === "connecting" ? "○ connecting…" : live.status === "error" ? `live updates failed (${live.error?.message ?? "no reason given"}): retrying` : ""}
        </span>
        <span className="spacer" />
        <Link className="button primary" href="/launch">
          Launch runs
        </Link>
      </div>

      <div className="panel row" role="search" aria-label="Filter runs">
        <input type="search" aria-label="Search runs" placeholder="Search name, experiment, notes, tag, id" value={q} onChange={(e) => setQ(e.target.value)} style={{ width: 280 }} />
        <fieldset className="row" style={{ border: "none", padding: 0, margin: 0, background: "none" }}>
          <legend className="muted small" style={{ padding: 0, marginRight: 6, float: "left" }}>
            Status
          </legend>
          {RUN_STATUSES.map((s) => (
            <label key={s} className="small">
              <input type="checkbox" checked={status.includes(s)} onChange={() => setStatus((x) => (x.includes(s) ? x.filter((y) => y !== s) : [...x, s]))} />
              {s.toLowerCase()}
            </label>
          ))}
        </fieldset>
        <select aria-label="Task" value={task} onChange={(e) => setTask(e.target.value)}>
          <option value="">any task</option>
          <option value="lm">language model</option>
          <option value="tagger">tagger</option>
          <option value="classifier">classifier</option>
        </select>
        <select aria-label="Cell" value={cell} onChange={(e) => setCell(e.target.value)}>
          <option value="">any cell</option>
          <option value="elman">elman</option>
          <option value="lstm">lstm</option>
          <option value="gru">gru</option>
        </select>
        <select aria-label="Weight tying" value={tied} onChange={(e) => setTied(e.target.value)}>
          <option value="">tied or not</option>
          <option value="tied">tied</option>
          <option value="untied">untied</option>
        </select>
        <select aria-label="Tag" value={tag} onChange={(e) => setTag(e.target.value)}>
          <option value="">any tag</option>
          {allTags.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
      </div>

      <div className="row panel" aria-label="Selected runs">
        <span className="muted">{chosen.length ? `${chosen.length} selected` : "Select runs to compare or act on them"}</span>
        <Link className={`button${chosen.length >= 1 ? " primary" : ""}`} aria-disabled={chosen.length === 0} href={chosen.length ? `/compare?ids=${chosen.map((r) => r.id).join(",")}` : "/compare"}>
          Compare{chosen.length ? ` ${chosen.length}` : ""}
        </Link>
        <button disabled={!chosen.some(cancellable)} onClick={() => chosen.filter(cancellable).forEach((r) => cancel.mutate({ id: r.id }))}>
          Cancel
        </button>
        <button disabled={!chosen.length} onClick={() => { setText(""); setDialog("tag"); }}>
          Tag…
        </button>
        <button disabled={!chosen.length} onClick={() => { setText(chosen[0]?.notes ?? ""); setDialog("notes"); }}>
          Annotate…
        </button>
        <button className="danger" disabled={!chosen.length} onClick={() => setDialog("delete")}>
          Delete…
        </button>
        {chosen.length ? (
          <button className="link" onClick={() => setSelected(new Set())}>
            clear
          </button>
        ) : null}
      </div>
      <ErrorBox error={actionError} title="The action failed" />
      <ErrorBox error={list.error} title="Cannot load runs" />

      <div className="panel table-wrap" style={{ padding: 0 }}>
        {list.isLoading ? (
          <Loading what="runs" />
        ) : runs.length === 0 ? (
          <Empty>
            {list.data?.experiments.length ? "No run matches these filters." : <>No runs yet. <Link href="/launch">Launch one</Link>, or start the demo with <code>pnpm start</code>.</>}
          </Empty>
        ) : (
          <table aria-label="Runs">
            <thead>
              <tr>
                <th>
                  <input type="checkbox" aria-label="Select all" checked={chosen.length === runs.length} onChange={(e) => setSelected(e.target.checked ? new Set(runs.map((r) => r.id)) : new Set())} />
                </th>
                {header("name", "Run")}
                {header("experimentName", "Experiment")}
                {header("status", "Status")}
                {header("task", "Task")}
                {header("cell", "Cell")}
                {header("tied", "Tied")}
                {header("paramCount", "Params", true)}
                {header("step", "Step", true)}
                {header("trainLoss", "Train loss", true)}
                {header("metric", "Valid metric", true)}
                <th>Tags / notes</th>
                {header("createdAt", "Created")}
                {header("duration", "Duration", true)}
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => (
                <tr key={r.id} className={selected.has(r.id) ? "selected" : undefined} data-run-id={r.id}>
                  <td>
                    <input type="checkbox" aria-label={`Select ${r.name}`} checked={selected.has(r.id)} onChange={() => toggle(r.id)} />
                  </td>
                  <td>
                    <Link href={`/runs/${r.id}`}>{r.name}</Link>
                    {r.error ? (
                      <div className="small" style={{ color: "var(--danger)", maxWidth: 360 }} title={r.error}>
                        {r.error.length > 90 ? `${r.error.slice(0, 90)}…` : r.error}
                      </div>
                    ) : null}
                  </td>
                  <td className="small">{r.experimentName}</td>
                  <td>
                    <StatusBadge status={r.status} cancelRequested={r.cancelRequested} />
                    {r.status === "RUNNING" && r.maxSteps ? (
                      <div className="progress" aria-label={`${r.step} of ${r.maxSteps} steps`}>
                        <div style={{ width: `${Math.min(100, (100 * r.step) / r.maxSteps)}%` }} />
                      </div>
                    ) : null}
                  </td>
                  <td>{r.task ?? "—"}</td>
                  <td>{r.cell ?? "—"}</td>
                  <td>{r.tied === null ? "—" : r.tied ? "yes" : "no"}</td>
                  <td className="num">{formatInt(r.paramCount)}</td>
                  <td className="num">
                    {formatInt(r.step)}
                    {r.maxSteps ? <span className="muted"> / {formatInt(r.maxSteps)}</span> : null}
                  </td>
                  <td className="num">{formatNumber(r.trainLoss)}</td>
                  <td className="num" title={r.metric?.key}>
                    {r.metric?.value !== null && r.metric?.value !== undefined ? (
                      <>
                        {formatNumber(r.metric.value)} <span className="muted small">{r.metric.key.replace("valid/", "")}</span>
                      </>
                    ) : (
                      "—"
                    )}
                  </td>
                  <td style={{ maxWidth: 260 }}>
                    <Tags tags={r.tags} />
                    {r.notes ? (
                      <div className="small muted" title={r.notes}>
                        {r.notes.length > 60 ? `${r.notes.slice(0, 60)}…` : r.notes}
                      </div>
                    ) : null}
                  </td>
                  <td className="small">{formatTime(r.createdAt)}</td>
                  <td className="num">{formatDuration(runDuration(r.startedAt, r.finishedAt))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>

      <Dialog open={dialog === "delete"} onClose={() => setDialog(null)} title={`Delete ${chosen.length} run${chosen.length === 1 ? "" : "s"}?`}>
        <p>This deletes {chosen.map((r) => r.name).join(", ")} with all their metrics, samples and checkpoints. It cannot be undone.</p>
        <div className="row">
          <button className="danger solid" autoFocus onClick={() => { del.mutate({ ids: chosen.map((r) => r.id) }); setDialog(null); }}>
            Delete
          </button>
          <button onClick={() => setDialog(null)}>Keep them</button>
        </div>
      </Dialog>
      <Dialog open={dialog === "tag"} onClose={() => setDialog(null)} title="Add a tag">
        <form onSubmit={(e) => { e.preventDefault(); const t = text.trim(); if (t) chosen.forEach((r) => setTags.mutate({ id: r.id, tags: [...r.tags, t] })); setDialog(null); }}>
          <input aria-label="Tag" autoFocus value={text} onChange={(e) => setText(e.target.value)} placeholder="baseline" />
          <p className="small muted">Existing tags on the selected runs: {[...new Set(chosen.flatMap((r) => r.tags))].join(", ") || "none"}.{" "}
            {chosen.some((r) => r.tags.length) ? (
              <button type="button" className="link" onClick={() => { chosen.forEach((r) => setTags.mutate({ id: r.id, tags: [] })); setDialog(null); }}>
                Remove all tags
              </button>
            ) : null}
          </p>
          <div className="row">
            <button className="primary" type="submit">Add tag</button>
            <button type="button" onClick={() => setDialog(null)}>Cancel</button>
          </div>
        </form>
      </Dialog>
      <Dialog open={dialog === "notes"} onClose={() => setDialog(null)} title="Notes">
        <form onSubmit={(e) => { e.preventDefault(); chosen.forEach((r) => setNotes.mutate({ id: r.id, notes: text })); setDialog(null); }}>
          <textarea aria-label="Notes" rows={4} autoFocus value={text} onChange={(e) => setText(e.target.value)} />
          <div className="row" style={{ marginTop: 8 }}>
            <button className="primary" type="submit">Save notes</button>
            <button type="button" onClick={() => setDialog(null)}>Cancel</button>
          </div>
        </form>
      </Dialog>
    </>
  );
}
