"use client";
// Embeddings, tied vs untied (issue 15; J&M 8.3, Press & Wolf 2017): a word's nearest neighbours
// by cosine similarity in the input embedding E and, for an untied language model, in the output
// matrix V, side by side, with how alike the two matrices are (mean cos(E_i, V_i) when their widths
// match; the overlap of every word's nearest neighbours in either).
import { useState } from "react";
import { useMutation } from "@tanstack/react-query";
import { formatNumber, formatPercent } from "~/lib/format";
import { useTRPC } from "~/trpc/react";
import { ErrorBox } from "./ui";

function Neighbours({ label, rows }: { label: string; rows: { token: string; similarity: number }[] }) {
  return (
    <table aria-label={label} className="small">
      <thead>
        <tr>
          <th>{label}</th>
          <th className="num">cos</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((n) => (
          <tr key={n.token}>
            <td className="mono">{JSON.stringify(n.token)}</td>
            <td className="num">{formatNumber(n.similarity, 3)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function EmbeddingsPanel({ target, example }: { target: { runId: string; kind?: "BEST" | "LAST" }; example: string }) {
  const trpc = useTRPC();
  const [word, setWord] = useState(example);
  const emb = useMutation(trpc.playground.embeddings.mutationOptions());
  const r = emb.data?.result;
  return (
    <section className="panel" aria-label="Embeddings, tied vs untied" data-testid="embeddings-panel">
      <h2>Embeddings: E and V</h2>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          emb.mutate({ ...target, word, k: 10 });
        }}
      >
        <input aria-label="Word" value={word} onChange={(e) => setWord(e.target.value)} />
        <button className="solid" type="submit" disabled={!word || emb.isPending}>
          Nearest neighbours
        </button>
      </form>
      <ErrorBox error={emb.error} title="Cannot compare the embeddings" />
      {r ? (
        <>
          <p className="small" data-testid="embeddings-similarity">
            {r.tied
              ? "Tied: V = E (one matrix), so its neighbours are the same in both."
              : `Untied: ${r.similarity?.rowCosine !== undefined ? `mean cos(E_i, V_i) ${formatNumber(r.similarity.rowCosine, 3)} · ` : ""}the ${r.similarity?.k} nearest neighbours of the first ${r.similarity?.words} words agree ${formatPercent(r.similarity?.neighbourOverlap ?? 0)} of the time`}
          </p>
          <div className="grid grid-2">
            <Neighbours label={`near ${JSON.stringify(r.word)} in E`} rows={r.neighbours.input} />
            {r.neighbours.output ? <Neighbours label={`near ${JSON.stringify(r.word)} in V`} rows={r.neighbours.output} /> : null}
          </div>
        </>
      ) : null}
    </section>
  );
}
