"use client";
// Playground: a run's checkpoint, used as its task allows: generate and score (language models),
// tag (taggers), classify (classifiers).
import { useSearchParams } from "next/navigation";
import { useState } from "react";
import { useMutation, useQuery } from "@tanstack/react-query";
import { formatInt, formatNumber, formatPercent } from "~/lib/format";
import { useTRPC } from "~/trpc/react";
import { EmbeddingsPanel } from "./embeddings-panel";
import { StatesPanel } from "./states-panel";
import { Empty, ErrorBox, Loading } from "./ui";

/** Background for a token with probability p: red (unlikely) to green (likely). */
const probColor = (p: number) => `hsl(${Math.round(120 * Math.min(1, Math.max(0, p)))}, 70%, 85%)`;

function Meta({ data }: { data?: { checkpoint: { kind: string; step: number }; ms: number; backend: string | null } }) {
  if (!data) return null;
  return (
    <p className="muted small">
      {data.checkpoint.kind.toLowerCase()} checkpoint at step {formatInt(data.checkpoint.step)} · {formatInt(data.ms)} ms
      {data.backend ? ` · ${data.backend}` : ""}
    </p>
  );
}

function Generate({ target }: { target: { runId: string; kind?: "BEST" | "LAST" } }) {
  const trpc = useTRPC();
  const [prompt, setPrompt] = useState("ROMEO:");
  const [temperature, setTemperature] = useState(0.8);
  const [topK, setTopK] = useState("");
  const [topP, setTopP] = useState("");
  const [n, setN] = useState(2);
  const [seed, setSeed] = useState(0);
  const [maxLength, setMaxLength] = useState(120);
  const [greedy, setGreedy] = useState(false);
  const gen = useMutation(trpc.playground.generate.mutationOptions());
  return (
    <section className="panel" aria-label="Generate">
      <h2>Generate</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          gen.mutate({
            ...target,
            prompt,
            temperature,
            topK: topK ? Number(topK) : undefined,
            topP: topP ? Number(topP) : undefined,
            n,
            seed,
            maxLength,
            greedy,
          });
        }}
      >
        <textarea aria-label="Prompt" rows={2} value={prompt} onChange={(e) => setPrompt(e.target.value)} />
        <div className="row small" style={{ margin: "6px 0" }}>
          <label>
            temperature{" "}
            <input
              aria-label="Temperature"
              type="number"
              step={0.05}
              min={0.05}
              max={5}
              style={{ width: 70 }}
              value={temperature}
              onChange={(e) => setTemperature(Number(e.target.value))}
            />
          </label>
          <label>
            top-k{" "}
            <input aria-label="Top-k" type="number" min={1} style={{ width: 70 }} value={topK} placeholder="off" onChange={(e) => setTopK(e.target.value)} />
          </label>
          <label>
            top-p{" "}
            <input
              aria-label="Top-p"
              type="number"
              step={0.05}
              min={0.05}
              max={1}
              style={{ width: 70 }}
              value={topP}
              placeholder="off"
              onChange={(e) => setTopP(e.target.value)}
            />
          </label>
          <label>
            samples{" "}
            <input
              aria-label="Number of samples"
              type="number"
              min={1}
              max={10}
              style={{ width: 60 }}
              value={n}
              onChange={(e) => setN(Number(e.target.value))}
            />
          </label>
          <label>
            seed <input aria-label="Seed" type="number" min={0} style={{ width: 70 }} value={seed} onChange={(e) => setSeed(Number(e.target.value))} />
          </label>
          <label>
            length{" "}
            <input
              aria-label="Max length"
              type="number"
              min={1}
              max={2000}
              style={{ width: 70 }}
              value={maxLength}
              onChange={(e) => setMaxLength(Number(e.target.value))}
            />
          </label>
          <label>
            <input type="checkbox" checked={greedy} onChange={(e) => setGreedy(e.target.checked)} /> greedy
          </label>
          <button className="primary" type="submit" disabled={gen.isPending}>
            {gen.isPending ? "Generating…" : "Generate"}
          </button>
        </div>
      </form>
      <ErrorBox error={gen.error} title="Generation failed" />
      <Meta data={gen.data} />
      <div aria-label="Generated samples" data-testid="generated">
        {gen.data?.result.map((t, i) => (
          <pre className="sample-text" key={i} style={{ marginBottom: 6 }} data-testid="generated-sample">
            <strong>{t.slice(0, prompt.length)}</strong>
            {t.slice(prompt.length)}
          </pre>
        ))}
      </div>
    </section>
  );
}

function Score({ target }: { target: { runId: string; kind?: "BEST" | "LAST" } }) {
  const trpc = useTRPC();
  const [text, setText] = useState("To be, or not to be");
  const score = useMutation(trpc.playground.score.mutationOptions());
  const r = score.data?.result;
  return (
    <section className="panel" aria-label="Score">
      <h2>Score a sentence</h2>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          score.mutate({ ...target, text });
        }}
      >
        <input aria-label="Sentence to score" style={{ flex: 1 }} value={text} onChange={(e) => setText(e.target.value)} />
        <button className="primary" type="submit" disabled={score.isPending || !text}>
          Score
        </button>
      </form>
      <ErrorBox error={score.error} title="Scoring failed" />
      <Meta data={score.data} />
      {r ? (
        <>
          <p>
            log-probability <strong>{formatNumber(r.logProb)}</strong> (natural log) · perplexity <strong>{formatNumber(r.perplexity)}</strong> over{" "}
            {r.tokens.length} tokens
          </p>
          <div aria-label="Per-token probabilities" style={{ lineHeight: 2 }}>
            {r.tokens.map((t, i) => {
              const p = Math.exp(t.logProb);
              return (
                <span
                  key={i}
                  className="token"
                  style={{ background: probColor(p) }}
                  title={`${JSON.stringify(t.token)}: p = ${formatPercent(p, 2)}, log p = ${formatNumber(t.logProb)}`}
                >
                  {t.token === " " ? "␣" : t.token === "\n" ? "⏎" : t.token === "" ? "∅" : t.token}
                </span>
              );
            })}
          </div>
          <details>
            <summary className="small">table</summary>
            <table>
              <thead>
                <tr>
                  <th>token</th>
                  <th className="num">p</th>
                  <th className="num">log p</th>
                </tr>
              </thead>
              <tbody>
                {r.tokens.map((t, i) => (
                  <tr key={i}>
                    <td className="mono">{JSON.stringify(t.token)}</td>
                    <td className="num">{formatPercent(Math.exp(t.logProb), 2)}</td>
                    <td className="num">{formatNumber(t.logProb)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </>
      ) : null}
    </section>
  );
}

function Tag({ target }: { target: { runId: string; kind?: "BEST" | "LAST" } }) {
  const trpc = useTRPC();
  const [text, setText] = useState("Anna moved to Paris in May");
  const tag = useMutation(trpc.playground.tag.mutationOptions());
  return (
    <section className="panel" aria-label="Tag">
      <h2>Tag a sentence</h2>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          tag.mutate({ ...target, text });
        }}
      >
        <input aria-label="Sentence to tag" style={{ flex: 1 }} value={text} onChange={(e) => setText(e.target.value)} />
        <button className="primary" type="submit" disabled={tag.isPending || !text}>
          Tag
        </button>
      </form>
      <ErrorBox error={tag.error} title="Tagging failed" />
      <Meta data={tag.data} />
      <div className="row" aria-label="Tags" style={{ alignItems: "flex-start" }}>
        {tag.data?.result.map((t, i) => (
          <div key={i} style={{ textAlign: "center" }}>
            <div className="token" style={{ background: t.tag === "O" ? "#f1f5f9" : "#dbeafe" }}>
              {t.token}
            </div>
            <div className="mono small muted">{t.tag}</div>
          </div>
        ))}
      </div>
    </section>
  );
}

function Classify({ target }: { target: { runId: string; kind?: "BEST" | "LAST" } }) {
  const trpc = useTRPC();
  const [text, setText] = useState("a gripping, beautifully acted film");
  const cls = useMutation(trpc.playground.classify.mutationOptions());
  const probs = Object.entries(cls.data?.result.probabilities ?? {}).sort((a, b) => b[1] - a[1]);
  return (
    <section className="panel" aria-label="Classify">
      <h2>Classify a text</h2>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          cls.mutate({ ...target, text });
        }}
      >
        <input aria-label="Text to classify" style={{ flex: 1 }} value={text} onChange={(e) => setText(e.target.value)} />
        <button className="primary" type="submit" disabled={cls.isPending || !text}>
          Classify
        </button>
      </form>
      <ErrorBox error={cls.error} title="Classification failed" />
      <Meta data={cls.data} />
      {cls.data ? (
        <>
          <p>
            label <strong>{cls.data.result.label}</strong>
          </p>
          <table aria-label="Class probabilities">
            <tbody>
              {probs.map(([label, p]) => (
                <tr key={label}>
                  <td style={{ width: 120 }}>{label}</td>
                  <td>
                    <div className="bar" style={{ width: `${Math.max(1, p * 100)}%` }} />
                  </td>
                  <td className="num" style={{ width: 80 }}>
                    {formatPercent(p)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}

export function PlaygroundPage() {
  const trpc = useTRPC();
  const params = useSearchParams();
  const models = useQuery(trpc.playground.models.queryOptions());
  const [runId, setRunId] = useState<string | null>(params.get("run"));
  const [kind, setKind] = useState<"" | "BEST" | "LAST">("");
  const chosen = models.data?.find((m) => m.id === runId) ?? models.data?.[0];
  const target = chosen ? { runId: chosen.id, kind: kind || undefined } : undefined;
  return (
    <>
      <h1>Playground</h1>
      <section className="panel row" aria-label="Checkpoint">
        <label>
          run
          <select aria-label="Run" value={chosen?.id ?? ""} onChange={(e) => setRunId(e.target.value)} style={{ minWidth: 360 }}>
            {models.data?.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name} · {m.task} · {m.experimentName} · {m.status.toLowerCase()}
              </option>
            ))}
          </select>
        </label>
        <label>
          checkpoint
          <select aria-label="Checkpoint" value={kind} onChange={(e) => setKind(e.target.value as "" | "BEST" | "LAST")}>
            <option value="">best, else last</option>
            {chosen?.checkpoints.map((c) => (
              <option key={c.kind} value={c.kind}>
                {c.kind.toLowerCase()} (step {formatInt(c.step)})
              </option>
            ))}
          </select>
        </label>
      </section>
      <ErrorBox error={models.error} title="Cannot load checkpoints" />
      {models.isLoading ? (
        <Loading what="checkpoints" />
      ) : !chosen || !target ? (
        <Empty>No run has a checkpoint yet. Runs write one every train.checkpointEvery steps and at the end.</Empty>
      ) : chosen.task === "lm" ? (
        <div className="grid grid-2">
          <Generate key={chosen.id} target={target} />
          <Score key={`s${chosen.id}`} target={target} />
        </div>
      ) : chosen.task === "tagger" ? (
        <Tag key={chosen.id} target={target} />
      ) : (
        <Classify key={chosen.id} target={target} />
      )}
      {chosen && target ? (
        <StatesPanel key={`states${chosen.id}`} target={target} example={chosen.task === "lm" ? "To be, or not to be" : "the cat sat on the mat"} />
      ) : null}
      {chosen && target && chosen.task === "lm" ? <EmbeddingsPanel key={`emb${chosen.id}`} target={target} example="e" /> : null}
    </>
  );
}
