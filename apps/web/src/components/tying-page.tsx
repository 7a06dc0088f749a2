"use client";
// Tied vs untied (Press & Wolf 2017): parameter counts and the saving, curves overlaid, and final
// validation/test perplexity as mean ± spread over seeds, all grouped by model.tied on the server
// (any number of runs). Or launch a paired sweep.
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useMemo, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import type { Stat } from "@unroll/api";
import { checkConfig, METRIC_KEYS } from "@unroll/domain";
import { formatInt, formatPercent } from "~/lib/format";
import { errorIssues, useTRPC } from "~/trpc/react";
import { groupLines, seedsText, StatText } from "./groups-panel";
import { LinesChart } from "./lines-chart";
import { Empty, ErrorBox, Loading, StatusBadge } from "./ui";

const TIED = "#2563eb";
const UNTIED = "#dc2626";

function StatCell({ s }: { s: Stat | null }) {
  return (
    <td className="num">
      <StatText s={s ?? undefined} />
    </td>
  );
}

function LaunchPaired({ onLaunched }: { onLaunched: (experimentId: string) => void }) {
  const trpc = useTRPC();
  const presets = useQuery(trpc.launch.presets.queryOptions());
  const base = presets.data?.find((p) => p.id === "char-lm")?.config as Record<string, Record<string, unknown>> | undefined;
  const [name, setName] = useState("tied vs untied");
  const [hidden, setHidden] = useState("128");
  const [steps, setSteps] = useState("300");
  const [seeds, setSeeds] = useState(2);
  const config = base
    ? { ...base, model: { ...base.model, embeddingSize: Number(hidden), hiddenSize: Number(hidden) }, train: { ...base.train, maxSteps: Number(steps) } }
    : undefined;
  const check = config ? checkConfig(config) : undefined;
  const launch = useMutation(trpc.tying.launch.mutationOptions({ onSuccess: (d) => onLaunched(d.experimentId) }));
  const issues = check && !check.ok ? check.issues : errorIssues(launch.error);
  return (
    <form
      className="panel"
      aria-label="Launch a paired sweep"
      onSubmit={(e) => {
        e.preventDefault();
        if (config && check?.ok) launch.mutate({ experiment: name, config, seeds });
      }}
    >
      <h2>Launch a paired sweep</h2>
      <p className="muted small" style={{ marginTop: 0 }}>
        The char-LM preset (tiny Shakespeare), identical configs and seeds with tying on and off. Tying needs embedding size = hidden size.
      </p>
      <div className="row">
        <label>
          experiment <input value={name} onChange={(e) => setName(e.target.value)} aria-label="Experiment name" />
        </label>
        <label>
          hidden = embedding size{" "}
          <input type="number" min={1} style={{ width: 80 }} value={hidden} onChange={(e) => setHidden(e.target.value)} aria-label="Hidden size" />
        </label>
        <label>
          steps <input type="number" min={1} style={{ width: 80 }} value={steps} onChange={(e) => setSteps(e.target.value)} aria-label="Steps" />
        </label>
        <label>
          seeds{" "}
          <input
            type="number"
            min={1}
            max={10}
            style={{ width: 60 }}
            value={seeds}
            onChange={(e) => setSeeds(Math.max(1, Math.min(10, Number(e.target.value) || 1)))}
            aria-label="Seeds"
          />
        </label>
        <button className="primary" type="submit" disabled={!check?.ok || launch.isPending || !name.trim()}>
          Queue {seeds * 2} runs
        </button>
      </div>
      {issues.map((i) => (
        <div className="field-error" role="alert" key={i.path + i.message}>
          {i.path}: {i.message}
        </div>
      ))}
      <ErrorBox error={presets.error ?? (issues.length ? null : launch.error)} title="Cannot launch" />
    </form>
  );
}

export function TyingPage() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const experiments = useQuery(trpc.tying.experiments.queryOptions());
  const chosen = params.get("experiment") ?? experiments.data?.find((e) => e.tied > 0 && e.untied > 0)?.id ?? experiments.data?.[0]?.id ?? "";
  const summary = useQuery({ ...trpc.tying.summary.queryOptions({ experimentId: chosen }), enabled: chosen !== "" });
  // the runs grouped by tying, aggregated on the server: a few hundred numbers at any number of runs
  const runs = { filter: { experimentId: chosen } };
  const valid = useQuery({
    ...trpc.compare.groups.queryOptions({ runs, by: ["model.tied"], key: METRIC_KEYS.validPerplexity, buckets: 150 }),
    enabled: chosen !== "",
    placeholderData: (p) => p,
  });
  const loss = useQuery({
    ...trpc.compare.groups.queryOptions({ runs, by: ["model.tied"], key: METRIC_KEYS.trainLoss, buckets: 150 }),
    enabled: chosen !== "",
    placeholderData: (p) => p,
  });
  // refetch when runs change (the change counter), not on a timer
  const live = useSubscription(
    trpc.live.runs.subscriptionOptions(undefined, {
      enabled: chosen !== "",
      onData: () => {
        void qc.invalidateQueries({ queryKey: trpc.tying.summary.pathKey() });
        void qc.invalidateQueries({ queryKey: trpc.compare.groups.pathKey() });
      },
    }),
  );
  const select = (id: string) => router.replace(`${pathname}?experiment=${id}`);
  const save = useMutation(trpc.selection.create.mutationOptions({ onSuccess: (sel) => router.push(`/compare?selection=${sel.id}`) }));

  const chart = useMemo(() => {
    const colorOf = (v: unknown[]) => (v[0] === true ? TIED : v[0] === false ? UNTIED : undefined);
    const dashedOf = (v: unknown[]) => v[0] === false;
    const lm = (lines: ReturnType<typeof groupLines>) => lines.filter((l) => l.id !== "model.tied=—");
    return { valid: lm(groupLines(valid.data, colorOf, dashedOf)), loss: lm(groupLines(loss.data, colorOf, dashedOf)) };
  }, [valid.data, loss.data]);

  const s = summary.data;
  const [tied, untied] = s?.sides ?? [];
  return (
    <>
      <h1>Tied vs untied</h1>
      <div className="grid grid-2">
        <section className="panel" aria-label="Pick an experiment">
          <h2>Experiment</h2>
          <ErrorBox error={experiments.error} title="Cannot load experiments" />
          {experiments.data?.length ? (
            <select aria-label="Experiment" value={chosen} onChange={(e) => select(e.target.value)} style={{ width: "100%" }}>
              {experiments.data.map((e) => (
                <option key={e.id} value={e.id}>
                  {e.name} ({e.tied} tied, {e.untied} untied)
                </option>
              ))}
            </select>
          ) : experiments.isLoading ? (
            <Loading what="experiments" />
          ) : (
            <p className="muted">No language-model experiment yet: launch a paired sweep.</p>
          )}
          {s?.experiment.description ? <p className="muted small">{s.experiment.description}</p> : null}
        </section>
        <LaunchPaired
          onLaunched={(id) => {
            void qc.invalidateQueries({ queryKey: trpc.tying.experiments.queryKey() });
            select(id);
          }}
        />
      </div>
      <ErrorBox error={summary.error} title="Cannot summarise this experiment" />
      <ErrorBox error={valid.error ?? loss.error} title="Cannot load the curves" />
      {live.status === "error" ? <ErrorBox error={live.error} title="Live updates failed (retrying); reload for the latest" /> : null}
      {!chosen ? null : !s ? (
        <Loading what="summary" />
      ) : (
        <>
          {s.confounders.length ? (
            <div className="warn-box" role="note">
              Not a clean comparison: besides tying and seed, these keys differ between runs: <code>{s.confounders.join(", ")}</code>.
            </div>
          ) : null}
          <div className="grid grid-3">
            <section className="panel" aria-label="Tied parameters">
              <h3>Tied</h3>
              <div className="stat" data-testid="tied-params">
                {formatInt(tied?.paramCount)}
              </div>
              <div className="muted small">parameters</div>
            </section>
            <section className="panel" aria-label="Untied parameters">
              <h3>Untied</h3>
              <div className="stat" data-testid="untied-params">
                {formatInt(untied?.paramCount)}
              </div>
              <div className="muted small">parameters</div>
            </section>
            <section className="panel" aria-label="Saving">
              <h3>Tying saves</h3>
              <div className="stat" data-testid="saving">
                {s.saving ? `${formatInt(s.saving.params)} (${formatPercent(s.saving.fraction)})` : "—"}
              </div>
              <div className="muted small">parameters: the output layer reuses the embedding (vocab × size)</div>
            </section>
          </div>
          <section className="panel table-wrap" aria-label="Results over seeds">
            <h2>Final metrics over seeds</h2>
            <table>
              <thead>
                <tr>
                  <th>tying</th>
                  <th className="num">runs</th>
                  <th className="num">completed</th>
                  <th>seeds</th>
                  <th className="num">params</th>
                  <th className="num">valid perplexity (mean ± sd)</th>
                  <th className="num">test perplexity (mean ± sd)</th>
                  <th className="num">train loss</th>
                </tr>
              </thead>
              <tbody>
                {s.sides.map((side) => (
                  <tr key={String(side.tied)}>
                    <td>
                      <span style={{ color: side.tied ? TIED : UNTIED }}>■</span> {side.tied ? "tied" : "untied"}
                    </td>
                    <td className="num">{formatInt(side.runs)}</td>
                    <td className="num">{formatInt(side.completed)}</td>
                    <td>{seedsText(side.seeds)}</td>
                    <td className="num">{formatInt(side.paramCount)}</td>
                    <StatCell s={side.validPerplexity} />
                    <StatCell s={side.testPerplexity} />
                    <StatCell s={side.trainLoss} />
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="muted small">
              Unfinished runs count with their latest value. Seeds run both ways: {s.pairedSeeds ? formatInt(s.pairedSeeds) : "none yet"}.
            </p>
          </section>
          <div className="grid grid-2">
            <LinesChart
              testId="tying-valid"
              title="Validation perplexity: mean and min-max over seeds (tied solid, untied dashed)"
              lines={chart.valid}
              height={260}
              empty={valid.isPending ? "Loading…" : "No evaluation yet."}
            />
            <LinesChart
              testId="tying-loss"
              title="Training loss: mean and min-max over seeds"
              lines={chart.loss}
              height={260}
              empty={loss.isPending ? "Loading…" : "No training steps yet."}
            />
          </div>
          <section className="panel" aria-label="Runs">
            <h2>Runs</h2>
            {s.total > s.runs.length ? (
              <p className="muted small">
                The first {s.runs.length} of {formatInt(s.total)} runs; all of them on the{" "}
                <Link href={`/?q=${encodeURIComponent(s.experiment.name)}`}>runs page</Link>.
              </p>
            ) : null}
            {s.runs.length ? (
              <table>
                <tbody>
                  {s.runs.map((r) => (
                    <tr key={r.id}>
                      <td>
                        <Link href={`/runs/${r.id}`}>{r.name}</Link>
                      </td>
                      <td>{r.tied ? "tied" : "untied"}</td>
                      <td>
                        <StatusBadge status={r.status} />
                      </td>
                      <td className="num">{formatInt(r.step)} steps</td>
                      <td className="num">{formatInt(r.paramCount)} params</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <Empty>No language-model runs in this experiment.</Empty>
            )}
            {s.total > 1 ? (
              <button className="link" disabled={save.isPending} onClick={() => save.mutate({ filter: { experimentId: s.experiment.id } })}>
                Compare these {formatInt(s.total)} runs →
              </button>
            ) : null}
            <ErrorBox error={save.error} title="Cannot open the comparison" />
          </section>
        </>
      )}
    </>
  );
}
