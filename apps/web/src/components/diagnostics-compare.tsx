"use client";
// Diagnostics of several runs overlaid (issue 15): the latest gradient norm through time (layer 0's
// h) and the latest loss by position of each run picked, one line per run. Elman tanh vs relu vs
// LSTM vs GRU on the same data shows the chapter's vanishing gradient; runs with other bptt
// lengths or carried state show what context buys. Runs come from ?ids=a,b,c or the list below.
import { useRouter, useSearchParams } from "next/navigation";
import { useMemo } from "react";
import { useQuery } from "@tanstack/react-query";
import { DIAGNOSTIC_KINDS } from "@unroll/domain";
import { rowLabel, type GradDoc, type LossDoc } from "~/lib/heatmap";
import { useTRPC } from "~/trpc/react";
import { LineChartPanel, PALETTE, type ChartSeries } from "./chart";
import { Empty, ErrorBox, Loading } from "./ui";

const FIRST_H = "layer 0 h";

export function DiagnosticsComparePage() {
  const trpc = useTRPC();
  const router = useRouter();
  const params = useSearchParams();
  const ids = useMemo(() => (params.get("ids") ?? "").split(",").filter(Boolean), [params]);
  const runs = useQuery(trpc.diagnostics.runs.queryOptions());
  const enabled = ids.length > 0;
  const grad = useQuery({ ...trpc.diagnostics.latest.queryOptions({ runIds: enabled ? ids : ["-"], kind: DIAGNOSTIC_KINDS.gradNorm }), enabled });
  const loss = useQuery({ ...trpc.diagnostics.latest.queryOptions({ runIds: enabled ? ids : ["-"], kind: DIAGNOSTIC_KINDS.lossByPosition }), enabled });
  const nameOf = (id: string) => {
    const r = runs.data?.find((x) => x.id === id);
    return r ? `${r.name} (${r.cell ?? "?"}${r.cell === "elman" ? ` ${r.activation ?? "tanh"}` : ""})` : id.slice(0, 8);
  };
  const colorOf = (id: string) => PALETTE[Math.max(0, ids.indexOf(id)) % PALETTE.length]!;
  const gradSeries: ChartSeries[] = (grad.data ?? []).flatMap((d) => {
    const row = (d.data as GradDoc).rows.find((r) => rowLabel(r) === FIRST_H);
    return row
      ? [
          {
            id: d.runId,
            label: `${nameOf(d.runId)} · step ${d.step}`,
            color: colorOf(d.runId),
            points: row.norms.map((v, t) => ({ x: t, y: v > 0 ? v : null })),
          },
        ]
      : [];
  });
  const lossSeries: ChartSeries[] = (loss.data ?? []).map((d) => ({
    id: d.runId,
    label: `${nameOf(d.runId)} · step ${d.step}`,
    color: colorOf(d.runId),
    points: (d.data as LossDoc).loss.map((v, t) => ({ x: t, y: v })),
  }));
  const toggle = (id: string) => {
    const next = ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id];
    router.replace(next.length ? `/diagnostics?ids=${next.join(",")}` : "/diagnostics");
  };
  return (
    <>
      <h1>Diagnostics, overlaid</h1>
      <ErrorBox error={runs.error ?? grad.error ?? loss.error} title="Cannot load diagnostics" />
      <div className="grid grid-2">
        <LineChartPanel
          testId="overlay-grad-norm"
          title="||dL/dh_t|| by position (layer 0, latest validation)"
          series={gradSeries}
          xLabel="position t"
          logY
          empty={enabled ? "None of these runs has a gradient norm yet." : "Pick runs below."}
        />
        <LineChartPanel
          testId="overlay-loss-position"
          title="Validation loss by position (latest validation)"
          series={lossSeries}
          xLabel="position t"
          empty={enabled ? "None of these runs has a loss by position yet." : "Pick runs below."}
        />
      </div>
      <section className="panel" aria-label="Runs with diagnostics">
        <h2>Runs with diagnostics</h2>
        {runs.isLoading ? (
          <Loading what="runs" />
        ) : runs.data?.length ? (
          <table>
            <tbody>
              {runs.data.map((r) => (
                <tr key={r.id} className={ids.includes(r.id) ? "selected" : undefined}>
                  <td>
                    <input type="checkbox" aria-label={`Overlay ${r.name}`} checked={ids.includes(r.id)} onChange={() => toggle(r.id)} />
                  </td>
                  <td>{r.name}</td>
                  <td className="small">{r.experiment}</td>
                  <td className="small">
                    {r.task} · {r.cell}
                    {r.cell === "elman" ? ` ${r.activation ?? "tanh"}` : ""}
                  </td>
                  <td className="small">{r.status.toLowerCase()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <Empty>No run has diagnostics yet (train.diagnostics, on by default, records them at each validation).</Empty>
        )}
      </section>
    </>
  );
}
