"use client";
// A run's system series (sys/*, logged by its worker): CPU, memory, tensors, and the database
// outages it lived through. Last value and maximum per series, so an outage or a leak is seen at
// a glance (lib/system-series.ts).
import { useQuery } from "@tanstack/react-query";
import { formatNumber } from "~/lib/format";
import { SYSTEM_PREFIX } from "@unroll/domain";
import { summarizeSystem } from "~/lib/system-series";
import { useTRPC } from "~/trpc/react";

export function SystemPanel({ runId, refreshMs }: { runId: string; refreshMs: number | false }) {
  const trpc = useTRPC();
  const keys = useQuery({ ...trpc.metrics.keys.queryOptions({ runIds: [runId] }), refetchInterval: refreshMs });
  const sys = (keys.data ?? [])
    .map((k) => k.key)
    .filter((k) => k.startsWith(SYSTEM_PREFIX))
    .slice(0, 20);
  const series = useQuery({
    ...trpc.metrics.series.queryOptions({ runIds: [runId], keys: sys, maxPoints: 200 }),
    enabled: sys.length > 0,
    refetchInterval: refreshMs,
  });
  const { rows, outages: away } = summarizeSystem(series.data ?? []);
  return (
    <section className="panel" aria-label="System">
      <h2>System</h2>
      {away ? (
        <div className="warn-box" role="note" data-testid="db-outages">
          The database was away {away.count} time{away.count === 1 ? "" : "s"} during this run, longest {formatNumber(away.longestSeconds, 3)} s (the last ended
          at step {away.lastStep}); the worker spooled what it could not write and wrote it when the database answered again.
        </div>
      ) : null}
      {rows.length ? (
        <table>
          <thead>
            <tr>
              <th>series</th>
              <th>last</th>
              <th>max</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.name}>
                <td>{r.name}</td>
                <td>{formatNumber(r.last)}</td>
                <td>{formatNumber(r.max)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted small">No system metrics yet (the worker logs them every 5 s while it trains).</p>
      )}
    </section>
  );
}
