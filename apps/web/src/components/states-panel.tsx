"use client";
// States over a text (issue 15; LSTMVis, Strobelt et al. 2016): for a text, every hidden unit of
// the chosen layer, direction and value (h, an LSTM's c and gates i, f, g, o, a GRU's r, z, n) at
// every token as a heatmap (rows: units, columns: tokens; blue negative, red positive). Click a
// cell to select its unit: the text above is then coloured by that unit's activation. A language
// model also shows its top-k next tokens at each position (the unrolled y_t). Click tokens of the
// text to mark them: the units that are high on the marked tokens and low elsewhere are listed
// (LSTMVis's select-and-match).
import { useMemo, useState } from "react";
import { useMutation } from "@tanstack/react-query";
import { divergingColor, traceScale, unitsLike } from "~/lib/heatmap";
import { formatNumber } from "~/lib/format";
import { useTRPC } from "~/trpc/react";
import { Heatmap } from "./heatmap";
import { ErrorBox } from "./ui";

const NAMES: Record<string, string> = {
  h: "hidden state h",
  c: "cell state c",
  i: "input gate i",
  f: "forget gate f",
  g: "candidate g",
  o: "output gate o",
  r: "reset gate r",
  z: "update gate z",
  n: "candidate n",
};
const traceLabel = (t: { layer: number; direction: string; name: string }) =>
  `layer ${t.layer}${t.direction === "backward" ? " backward" : ""} · ${NAMES[t.name] ?? t.name}`;
/** A token as shown: whitespace made visible (character models). */
const show = (token: string) => (token === " " ? "␣" : token === "\n" ? "⏎" : token);

export function StatesPanel({ target, example }: { target: { runId: string; kind?: "BEST" | "LAST" }; example: string }) {
  const trpc = useTRPC();
  const [text, setText] = useState(example);
  const states = useMutation(trpc.playground.states.mutationOptions());
  const data = states.data?.result;
  const labels = useMemo(() => data?.traces.map(traceLabel) ?? [], [data]);
  const [picked, setPicked] = useState(0);
  const trace = data?.traces[Math.min(picked, (data?.traces.length ?? 1) - 1)];
  const [unit, setUnit] = useState(0);
  const u = trace ? Math.min(unit, trace.values.length - 1) : 0;
  const scale = trace ? traceScale(trace.name, trace.values) : 1;
  // tokens marked in the text (click them): the units that follow that pattern
  const [marked, setMarked] = useState<ReadonlySet<number>>(new Set());
  const like = useMemo(() => (trace ? unitsLike(trace.values, marked) : []), [trace, marked]);
  const mark = (t: number) => setMarked((m) => (m.has(t) ? new Set([...m].filter((x) => x !== t)) : new Set([...m, t])));
  return (
    <section className="panel" aria-label="States over a text" data-testid="states-panel">
      <h2>States over a text</h2>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          states.mutate({ ...target, text, topK: 5 });
        }}
      >
        <input aria-label="Text to read" style={{ flex: 1 }} value={text} onChange={(e) => setText(e.target.value)} />
        <button className="solid" type="submit" disabled={!text || states.isPending}>
          {states.isPending ? "Reading…" : "Show states"}
        </button>
      </form>
      <ErrorBox error={states.error} title="Cannot show states" />
      {data && trace ? (
        <>
          <div className="row">
            <label className="small">
              layer and value{" "}
              <select aria-label="Layer and value" value={Math.min(picked, labels.length - 1)} onChange={(e) => setPicked(Number(e.target.value))}>
                {labels.map((l, i) => (
                  <option key={l} value={i}>
                    {l}
                  </option>
                ))}
              </select>
            </label>
            <span className="muted small">
              {trace.values.length} units x {data.tokens.length} tokens · click a cell to follow its unit
            </span>
          </div>
          <div aria-label="Selected unit over the text" data-testid="unit-text" style={{ lineHeight: 2, fontFamily: "var(--mono, monospace)" }}>
            <span className="muted small">unit {u}: </span>
            {data.tokens.map((tok, t) => {
              const v = trace.values[u]![t] ?? null;
              return (
                <span
                  key={t}
                  data-value={v ?? ""}
                  data-marked={marked.has(t) || undefined}
                  onClick={() => mark(t)}
                  title={`${JSON.stringify(tok)}: ${formatNumber(v, 3)} (click to mark it for "units like this")`}
                  style={{
                    background: divergingColor(v, scale),
                    padding: "2px 1px",
                    marginRight: 1,
                    borderRadius: 2,
                    cursor: "pointer",
                    outline: marked.has(t) ? "2px solid #111" : undefined,
                  }}
                >
                  {show(tok)}
                </span>
              );
            })}
          </div>
          <div className="row small" aria-label="Units like the marked tokens" data-testid="units-like">
            {marked.size === 0 ? (
              <span className="muted">Mark tokens in the text (click them) to find the units that are high there and low elsewhere.</span>
            ) : (
              <>
                <span>units like the {marked.size} marked tokens:</span>
                {like.map((l) => (
                  <button key={l.unit} type="button" className={l.unit === u ? "solid" : undefined} onClick={() => setUnit(l.unit)}>
                    unit {l.unit} ({formatNumber(l.score, 2)})
                  </button>
                ))}
                <button type="button" onClick={() => setMarked(new Set())}>
                  clear
                </button>
              </>
            )}
          </div>
          <Heatmap
            testId="states-heatmap"
            values={trace.values}
            color={(v) => divergingColor(v, scale)}
            rowLabel={(r) => String(r)}
            colLabel={(c) => show(data.tokens[c] ?? "")}
            format={(v) => formatNumber(v, 3)}
            xTitle="token"
            yTitle="unit"
            selectedRow={u}
            onSelect={({ row }) => setUnit(row)}
            width={900}
            height={400}
          />
          {data.next ? (
            <table aria-label="Next-token predictions" className="small">
              <thead>
                <tr>
                  <th>after</th>
                  <th>most likely next tokens (p)</th>
                </tr>
              </thead>
              <tbody>
                {data.next.map((row, t) => (
                  <tr key={t}>
                    <td className="mono">{JSON.stringify(data.tokens[t])}</td>
                    <td className="mono">{row.map((n) => `${JSON.stringify(n.token)} ${formatNumber(n.p, 3)}`).join("   ")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
