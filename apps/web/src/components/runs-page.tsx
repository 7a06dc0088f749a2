"use client";
// Runs: every experiment and run, filtered, sorted and paged on the server (10,000 runs load one
// page at a time), live; select runs across pages, or all that match, to compare or act.
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useState } from "react";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@unroll/api";
import { CANCELLABLE_STATUSES, RUN_STATUSES, type RunStatus } from "@unroll/domain";
import { SEARCH_DEBOUNCE_MS, useDebounced } from "~/lib/debounce";
import { formatDuration, formatInt, formatNumber, formatTime, runDuration } from "~/lib/format";
import { isSelected, nothingSelected, selectedCount, toggleRun, type RunSelection } from "~/lib/run-selection";
import { useTRPC } from "~/trpc/react";
import { Dialog, Empty, ErrorBox, Loading, StatusBadge, Tags } from "./ui";
import { LiveStatus } from "./live-status";

type Row = inferRouterOutputs<AppRouter>["run"]["list"]["runs"][number];
type SortKey = NonNullable<Exclude<inferRouterInputs<AppRouter>["run"]["list"], void | undefined>["sort"]>["by"];

/** Rows per page; "Load more" adds the next page after the last row (keyset, not offset). */
const PAGE = 100;
/** Up to this many hand-picked runs go to compare in its URL; more travel as a saved selection. */
const IDS_IN_URL = 20;

const cancellable = (r: Row) => CANCELLABLE_STATUSES.includes(r.status);

export function RunsPage() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const [status, setStatus] = useState<string[]>([]);
  const [task, setTask] = useState("");
  const [cell, setCell] = useState("");
  const [tied, setTied] = useState("");
  const [tag, setTag] = useState("");
  const params = useSearchParams();
  const [q, setQ] = useState(params.get("q") ?? "");
  const search = useDebounced(q.trim(), SEARCH_DEBOUNCE_MS);
  const [sort, setSort] = useState<{ by: SortKey; dir: "asc" | "desc" }>({ by: "createdAt", dir: "desc" });
  const [selection, setSelection] = useState<RunSelection<Row>>(nothingSelected);
  const [dialog, setDialog] = useState<"delete" | "notes" | "tag" | null>(null);
  const [text, setText] = useState("");

  const filter = {
    status: status.length ? (status as RunStatus[]) : undefined,
    task: task ? [task] : undefined,
    cell: cell ? [cell] : undefined,
    tied: tied === "" ? undefined : tied === "tied",
    tag: tag || undefined,
    q: search || undefined,
  };
  const filterKey = JSON.stringify(filter);
  const [selectionFilter, setSelectionFilter] = useState(filterKey);
  if (selection.mode === "matching" && selectionFilter !== filterKey) setSelection(nothingSelected()); // "all matching" meant the old filter
  const list = useInfiniteQuery({
    ...trpc.run.list.infiniteQueryOptions({ ...filter, sort, limit: PAGE }, { getNextPageParam: (last) => last.nextCursor }),
    placeholderData: (prev) => prev,
  });
  // A change refetches the loaded pages, without cancelling a request in flight: with runs
  // training (a change a second), cancelling threw away every "Load more" before it arrived.
  const live = useSubscription(
    trpc.live.runs.subscriptionOptions(undefined, { onData: () => void qc.invalidateQueries({ queryKey: trpc.run.list.pathKey() }, { cancelRefetch: false }) }),
  );

  const invalidate = () => qc.invalidateQueries({ queryKey: trpc.run.list.pathKey() });
  const cancel = useMutation(trpc.run.cancel.mutationOptions({ onSettled: invalidate }));
  const setTags = useMutation(trpc.run.setTags.mutationOptions({ onSettled: invalidate }));
  const setNotes = useMutation(trpc.run.setNotes.mutationOptions({ onSettled: invalidate }));
  const del = useMutation(trpc.run.delete.mutationOptions({ onSettled: invalidate, onSuccess: () => setSelection(nothingSelected()) }));
  const save = useMutation(trpc.selection.create.mutationOptions({ onSuccess: (s) => router.push(`/compare?selection=${s.id}`) }));
  const actionError = cancel.error ?? setTags.error ?? setNotes.error ?? del.error ?? save.error;

  const pages = list.data?.pages ?? [];
  const first = pages[0];
  const runs = pages.flatMap((p) => p.runs);
  const total = first?.total ?? 0;
  const allTags = first?.tags ?? [];
  const count = selectedCount(selection, total);
  // actions that name each run (cancel, tag, notes, delete) take hand-picked runs
  const chosen = selection.mode === "picked" ? [...selection.rows.values()] : [];
  const toggle = (r: Row) => setSelection((s) => toggleRun(s, r));
  const loadedAllPicked = selection.mode === "picked" && runs.length > 0 && runs.every((r) => selection.rows.has(r.id));
  const compare = () => {
    if (selection.mode === "picked" && chosen.length <= IDS_IN_URL) router.push(`/compare?ids=${chosen.map((r) => r.id).join(",")}`);
    else if (selection.mode === "picked") save.mutate({ ids: chosen.map((r) => r.id) });
    else save.mutate({ filter, except: [...selection.except] });
  };
  const pickedOnly = selection.mode === "matching" ? "Tick runs one by one for this action (it names each run)" : undefined;

  const header = (key: SortKey, label: string, numeric = false) => (
    <th aria-sort={sort.by === key ? (sort.dir === "asc" ? "ascending" : "descending") : "none"} className={numeric ? "num" : undefined}>
      <button className="sort" onClick={() => setSort((s) => ({ by: key, dir: s.by === key ? (s.dir === "asc" ? "desc" : "asc") : numeric ? "desc" : "asc" }))}>
        {label} {sort.by === key ? (sort.dir === "asc" ? "▲" : "▼") : ""}
      </button>
    </th>
  );

  return (
    <>
      <div className="row" style={{ marginBottom: 8 }}>
        <h1 style={{ margin: 0 }}>Runs</h1>
        <LiveStatus live={live} />
        <span className="spacer" />
        <Link className="button primary" href="/launch">
          Launch runs
        </Link>
      </div>

      <div className="panel row" role="search" aria-label="Filter runs">
        <input
          type="search"
          aria-label="Search runs"
          placeholder="Search name, experiment, notes, tag, id"
          value={q}
          onChange={(e) => setQ(e.target.value)}
          style={{ width: 280 }}
        />
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
        <span className="muted" data-testid="selected-count">
          {count ? `${formatInt(count)} selected${selection.mode === "matching" ? " (all matching)" : ""}` : "Select runs to compare or act on them"}
        </span>
        {loadedAllPicked && total > runs.length ? (
          <button
            className="link"
            onClick={() => {
              setSelectionFilter(filterKey);
              setSelection({ mode: "matching", except: new Set() });
            }}
          >
            Select all {formatInt(total)} matching
          </button>
        ) : null}
        <button className={count ? "primary" : undefined} disabled={count === 0 || save.isPending} onClick={compare}>
          {save.isPending ? "Saving the selection…" : `Compare${count ? ` ${formatInt(count)}` : ""}`}
        </button>
        <button disabled={!chosen.some(cancellable)} title={pickedOnly} onClick={() => chosen.filter(cancellable).forEach((r) => cancel.mutate({ id: r.id }))}>
          Cancel
        </button>
        <button
          disabled={!chosen.length}
          title={pickedOnly}
          onClick={() => {
            setText("");
            setDialog("tag");
          }}
        >
          Tag…
        </button>
        <button
          disabled={!chosen.length}
          title={pickedOnly}
          onClick={() => {
            setText(chosen[0]?.notes ?? "");
            setDialog("notes");
          }}
        >
          Annotate…
        </button>
        <button className="danger" disabled={!chosen.length} title={pickedOnly} onClick={() => setDialog("delete")}>
          Delete…
        </button>
        {count ? (
          <button className="link" onClick={() => setSelection(nothingSelected())}>
            clear
          </button>
        ) : null}
      </div>
      <ErrorBox error={actionError} title="The action failed" />
      <ErrorBox error={list.isFetchNextPageError ? null : list.error} title="Cannot load runs" />

      <div className="panel table-wrap" style={{ padding: 0 }}>
        {list.isLoading ? (
          <Loading what="runs" />
        ) : runs.length === 0 ? (
          <Empty>
            {first?.experiments.length ? (
              "No run matches these filters."
            ) : (
              <>
                No runs yet. <Link href="/launch">Launch one</Link>, or start the demo with <code>pnpm start</code>.
              </>
            )}
          </Empty>
        ) : (
          <table aria-label="Runs">
            <thead>
              <tr>
                <th>
                  <input
                    type="checkbox"
                    aria-label="Select all loaded"
                    title="Select the loaded rows"
                    checked={runs.length > 0 && runs.every((r) => isSelected(selection, r.id))}
                    onChange={(e) =>
                      setSelection(e.target.checked ? { mode: "picked", rows: new Map([...chosen, ...runs].map((r) => [r.id, r])) } : nothingSelected())
                    }
                  />
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
                <tr key={r.id} className={isSelected(selection, r.id) ? "selected" : undefined} data-run-id={r.id}>
                  <td>
                    <input type="checkbox" aria-label={`Select ${r.name}`} checked={isSelected(selection, r.id)} onChange={() => toggle(r)} />
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
      <div className="row" aria-label="Pages">
        <span className="muted small" data-testid="shown-count">
          {first ? `${formatInt(runs.length)} of ${formatInt(total)} run${total === 1 ? "" : "s"}` : ""}
          {list.isFetching && !list.isFetchingNextPage ? " · updating…" : ""}
        </span>
        {list.hasNextPage ? (
          <button onClick={() => void list.fetchNextPage()} disabled={list.isFetchingNextPage}>
            {list.isFetchingNextPage ? "Loading…" : `Load ${formatInt(Math.min(PAGE, total - runs.length))} more`}
          </button>
        ) : null}
      </div>
      <ErrorBox error={list.isFetchNextPageError ? list.error : null} title="Cannot load more runs" />

      <Dialog open={dialog === "delete"} onClose={() => setDialog(null)} title={`Delete ${chosen.length} run${chosen.length === 1 ? "" : "s"}?`}>
        <p>This deletes {chosen.map((r) => r.name).join(", ")} with all their metrics, samples and checkpoints. It cannot be undone.</p>
        <div className="row">
          <button
            className="danger solid"
            autoFocus
            onClick={() => {
              del.mutate({ ids: chosen.map((r) => r.id) });
              setDialog(null);
            }}
          >
            Delete
          </button>
          <button onClick={() => setDialog(null)}>Keep them</button>
        </div>
      </Dialog>
      <Dialog open={dialog === "tag"} onClose={() => setDialog(null)} title="Add a tag">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const t = text.trim();
            if (t) chosen.forEach((r) => setTags.mutate({ id: r.id, tags: [...r.tags, t] }));
            setDialog(null);
          }}
        >
          <input aria-label="Tag" autoFocus value={text} onChange={(e) => setText(e.target.value)} placeholder="baseline" />
          <p className="small muted">
            Existing tags on the selected runs: {[...new Set(chosen.flatMap((r) => r.tags))].join(", ") || "none"}.{" "}
            {chosen.some((r) => r.tags.length) ? (
              <button
                type="button"
                className="link"
                onClick={() => {
                  chosen.forEach((r) => setTags.mutate({ id: r.id, tags: [] }));
                  setDialog(null);
                }}
              >
                Remove all tags
              </button>
            ) : null}
          </p>
          <div className="row">
            <button className="primary" type="submit">
              Add tag
            </button>
            <button type="button" onClick={() => setDialog(null)}>
              Cancel
            </button>
          </div>
        </form>
      </Dialog>
      <Dialog open={dialog === "notes"} onClose={() => setDialog(null)} title="Notes">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            chosen.forEach((r) => setNotes.mutate({ id: r.id, notes: text }));
            setDialog(null);
          }}
        >
          <textarea aria-label="Notes" rows={4} autoFocus value={text} onChange={(e) => setText(e.target.value)} />
          <div className="row" style={{ marginTop: 8 }}>
            <button className="primary" type="submit">
              Save notes
            </button>
            <button type="button" onClick={() => setDialog(null)}>
              Cancel
            </button>
          </div>
        </form>
      </Dialog>
    </>
  );
}
