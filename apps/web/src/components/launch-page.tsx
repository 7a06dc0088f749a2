"use client";
// Launch: presets, the schema-generated form, a sweep builder. Nothing is queued until the config
// is valid under the same schema the api and the runner use.
import Link from "next/link";
import { useDeferredValue, useMemo, useState } from "react";
import { useMutation, useQuery } from "@tanstack/react-query";
import { checkConfig, type ConfigIssue } from "@unroll/domain";
import { configSections, leafPaths, type Draft } from "~/lib/schema-form";
import { errorIssues, useTRPC } from "~/trpc/react";
import { ConfigForm, unplacedIssues } from "./config-form";
import { ErrorBox } from "./ui";

interface Axis {
  key: string;
  values: string;
}

const splitValues = (s: string) =>
  s
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "");

export function LaunchPage() {
  const trpc = useTRPC();
  // a preset with variants (the vanishing-gradient comparison) is queued as a whole, one run per variant
  const enqueuePreset = useMutation(trpc.launch.enqueuePreset.mutationOptions());
  const presets = useQuery(trpc.launch.presets.queryOptions());
  const [draft, setDraft] = useState<Draft>({ task: "lm", data: { corpus: "tiny-shakespeare" } });
  const [experiment, setExperiment] = useState("");
  const [description, setDescription] = useState("");
  const [axes, setAxes] = useState<Axis[]>([]);
  const [seeds, setSeeds] = useState(1);
  const [serverIssues, setServerIssues] = useState<ConfigIssue[]>([]);
  const leaves = useMemo(() => leafPaths(configSections()).filter((f) => f.path !== "name" && f.path !== "train.seed"), []);

  const check = useMemo(() => checkConfig(draft), [draft]);
  const sweep = { grid: axes.filter((a) => a.key).map((a) => ({ key: a.key, values: splitValues(a.values) })), seeds };
  const deferred = useDeferredValue({ config: draft, sweep });
  const preview = useQuery({ ...trpc.launch.validate.queryOptions(deferred), enabled: check.ok, placeholderData: (p) => p });
  // What only the server can tell (the sweep's combinations, data files it may not read): next to
  // the field it names, else at the top with the rest.
  const sweepIssues = preview.data && !preview.data.ok && check.ok ? preview.data.issues : [];
  const issues = check.ok ? [...serverIssues, ...sweepIssues] : check.issues;
  const experimentName = experiment.trim() || (typeof draft.name === "string" && draft.name) || "";

  const enqueue = useMutation(
    trpc.launch.enqueue.mutationOptions({
      onError: (e) => setServerIssues(errorIssues(e)),
      onSuccess: () => setServerIssues([]),
    }),
  );

  const change = (d: Draft) => {
    setDraft(d);
    setServerIssues([]);
    enqueue.reset();
  };
  const ready = check.ok && experimentName !== "" && sweepIssues.length === 0;
  const runCount = preview.data?.ok ? preview.data.runs.length : undefined;
  const top = unplacedIssues(issues);

  return (
    <>
      <h1>Launch</h1>
      <section className="panel" aria-label="Presets">
        <h2>Presets</h2>
        <ErrorBox error={presets.error} title="Cannot load presets" />
        <div className="row">
          {(presets.data ?? []).map((p) => (
            <button
              key={p.id}
              title={p.error ?? p.description}
              disabled={!p.config}
              onClick={() => {
                change(p.config as Draft);
                setExperiment(p.label);
              }}
            >
              {p.label}
            </button>
          ))}
        </div>
        {(presets.data ?? []).flatMap((p) =>
          "variants" in p && p.config ? (
            <div key={`all-${p.id}`} className="row small">
              <button
                type="button"
                className="solid"
                disabled={enqueuePreset.isPending}
                onClick={() => enqueuePreset.mutate({ preset: p.id, experiment: p.label })}
              >
                Queue the comparison: {p.variants.map((v) => v.name).join(", ")}
              </button>
              <span className="muted">{p.description}</span>
            </div>
          ) : (
            []
          ),
        )}
        <ErrorBox error={enqueuePreset.error} title="Cannot queue the preset" />
        {enqueuePreset.data ? (
          <div role="status" aria-label="Preset queued">
            Queued{" "}
            {enqueuePreset.data.runIds.map((id, i) => (
              <span key={id}>
                {i ? ", " : ""}
                <Link href={`/runs/${id}`}>{enqueuePreset.data.names[i]}</Link>
              </span>
            ))}
            ; when they have validated, <Link href={`/diagnostics?ids=${enqueuePreset.data.runIds.join(",")}`}>overlay their diagnostics</Link>.
          </div>
        ) : null}
      </section>

      <form
        aria-label="Launch runs"
        onSubmit={(e) => {
          e.preventDefault();
          if (!ready) return;
          enqueue.mutate({ experiment: experimentName, description: description || undefined, config: draft, sweep });
        }}
      >
        <fieldset>
          <legend>Experiment</legend>
          <div className="form-grid">
            <div className="field">
              <label htmlFor="experiment">
                experiment name
                <span aria-hidden="true" style={{ color: "var(--danger)" }}>
                  *
                </span>
              </label>
              <input
                id="experiment"
                type="text"
                value={experiment}
                onChange={(e) => setExperiment(e.target.value)}
                placeholder={typeof draft.name === "string" ? draft.name : "e.g. char-lstm sweep"}
                aria-describedby="experiment-help"
              />
              <div className="help" id="experiment-help">
                Runs are grouped under it; an existing name adds to that experiment.
              </div>
            </div>
            <div className="field" style={{ gridColumn: "span 2" }}>
              <label htmlFor="description">description</label>
              <input id="description" type="text" value={description} onChange={(e) => setDescription(e.target.value)} />
            </div>
          </div>
        </fieldset>

        <ConfigForm draft={draft} onChange={change} issues={issues} />

        <fieldset aria-label="Sweep">
          <legend>Sweep</legend>
          <p className="help muted small" style={{ marginTop: 0 }}>
            A grid over chosen fields (comma-separated values), each point run once per seed (train.seed, train.seed + 1, …).
          </p>
          {axes.map((a, i) => (
            <div className="row" key={i} style={{ marginBottom: 6 }}>
              <select
                aria-label={`Sweep field ${i + 1}`}
                value={a.key}
                onChange={(e) => setAxes((x) => x.map((y, j) => (j === i ? { ...y, key: e.target.value } : y)))}
              >
                <option value="">choose a field…</option>
                {leaves.map((f) => (
                  <option key={f.path} value={f.path}>
                    {f.path}
                  </option>
                ))}
              </select>
              <input
                aria-label={`Sweep values ${i + 1}`}
                type="text"
                style={{ width: 260 }}
                value={a.values}
                placeholder={leaves.find((f) => f.path === a.key)?.options?.join(",") ?? "e.g. 0.001,0.003"}
                onChange={(e) => setAxes((x) => x.map((y, j) => (j === i ? { ...y, values: e.target.value } : y)))}
              />
              <button type="button" aria-label={`Remove sweep field ${i + 1}`} onClick={() => setAxes((x) => x.filter((_, j) => j !== i))}>
                Remove
              </button>
            </div>
          ))}
          <div className="row">
            <button type="button" onClick={() => setAxes((x) => [...x, { key: "", values: "" }])}>
              Add sweep field
            </button>
            <label htmlFor="seeds">seeds</label>
            <input
              id="seeds"
              type="number"
              min={1}
              max={20}
              value={seeds}
              style={{ width: 64 }}
              onChange={(e) => setSeeds(Math.max(1, Math.min(20, Number(e.target.value) || 1)))}
            />
          </div>
          {preview.data?.ok && preview.data.runs.length > 1 ? (
            <details style={{ marginTop: 8 }}>
              <summary>{preview.data.runs.length} runs</summary>
              <ul className="small mono">
                {preview.data.runs.map((r) => (
                  <li key={r.name}>{r.name}</li>
                ))}
              </ul>
            </details>
          ) : null}
        </fieldset>

        {top.length ? (
          <div className="error-box" role="alert">
            {top.map((i) => (
              <div key={`${i.path}:${i.message}`}>
                <strong>{i.path || "config"}</strong>: {i.message}
              </div>
            ))}
          </div>
        ) : null}
        <ErrorBox error={enqueue.error && errorIssues(enqueue.error).length === 0 ? enqueue.error : null} title="Nothing was queued" />

        {check.ok && preview.data?.notes.length ? (
          <div className="warn-box" role="note" data-testid="launch-notes">
            {preview.data.notes.map((n) => (
              <p key={n}>{n}</p>
            ))}
          </div>
        ) : null}
        <div className="panel row" style={{ position: "sticky", bottom: 0 }}>
          <button className="primary" type="submit" disabled={!ready || enqueue.isPending}>
            {enqueue.isPending ? "Queueing…" : `Queue ${runCount ?? 1} run${(runCount ?? 1) === 1 ? "" : "s"}`}
          </button>
          <span className="muted small" aria-live="polite">
            {issues.length > 0
              ? `${issues.length} problem${issues.length === 1 ? "" : "s"} to fix before queueing`
              : experimentName === ""
                ? "Name the experiment"
                : "Config is valid"}
          </span>
          <span className="spacer" />
          <details>
            <summary className="small">config JSON</summary>
            <pre className="small" style={{ maxWidth: 520 }}>
              {JSON.stringify(check.ok ? check.config : draft, null, 2)}
            </pre>
          </details>
        </div>
        {enqueue.data ? (
          <div className="panel" role="status" aria-label="Queued">
            Queued {enqueue.data.runIds.length} run{enqueue.data.runIds.length === 1 ? "" : "s"} in <strong>{experimentName}</strong>:{" "}
            {enqueue.data.runIds.map((id, i) => (
              <span key={id}>
                {i ? ", " : ""}
                <Link href={`/runs/${id}`}>{enqueue.data.names[i]}</Link>
              </span>
            ))}
            . A worker picks them up in order (<Link href="/">all runs</Link>).
          </div>
        ) : null}
      </form>
    </>
  );
}
