"use client";
// One chart of one or more series (each with its own x values) on a numeric x-axis.
//
// Cost (benchmarks/dashboard.ts: compare page, 20 runs x 800 points, headless Chromium, 2 cores):
// each recharts <Line> costs ~7 ms to mount (the chart's store recomputes its selectors as each
// series registers), and recharts' <Legend> with 20 entries ~200 ms. So the legend is plain HTML
// and the faint raw lines are drawn only for a few series: drawing the data went 711 -> 385 ms.
import { memo } from "react";
import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";
import { formatCompact, formatNumber } from "~/lib/format";

/** Above this many series the raw (unsmoothed) lines are left out: 20 faint lines under 20 curves are not readable, and they double the lines to mount. */
export const MAX_RAW_SERIES = 8;

export const PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777", "#4b5563", "#65a30d"];

export interface ChartSeries {
  id: string;
  label: string;
  color: string;
  points: { x: number; y: number | null; raw?: number | null }[];
  dashed?: boolean;
}

export interface LineChartPanelProps {
  title: string;
  series: ChartSeries[];
  xLabel?: string;
  logY?: boolean;
  /** Draw the unsmoothed values faintly behind the smoothed line. */
  showRaw?: boolean;
  height?: number;
  empty?: string;
  testId?: string;
}

export const LineChartPanel = memo(function LineChartPanel({
  title,
  series,
  xLabel = "step",
  logY = false,
  showRaw: wantRaw = false,
  height = 240,
  empty,
  testId,
}: LineChartPanelProps) {
  const showRaw = wantRaw && series.length <= MAX_RAW_SERIES;
  const points = series.reduce((n, s) => n + s.points.length, 0);
  const finite = series.flatMap((s) => s.points.map((p) => p.y)).filter((v): v is number => v !== null && Number.isFinite(v));
  return (
    // data-series-count and data-lines (curves to draw: one per series, two with the raw ones) let
    // tests and the dashboard benchmark tell when every line has its path.
    <section
      className="panel"
      data-testid={testId}
      data-points={points}
      data-series-count={series.length}
      data-lines={points === 0 ? 0 : series.length * (showRaw ? 2 : 1)}
      aria-label={title}
    >
      <div className="chart-title">
        <h2>{title}</h2>
        <span className="muted small">
          {points > 0 ? `${formatCompact(points)} points` : ""}
          {finite.length && series.length === 1 ? ` · last ${formatNumber(series[0]!.points.at(-1)?.y ?? null)}` : ""}
          {wantRaw && !showRaw && points > 0 ? ` · raw values hidden above ${MAX_RAW_SERIES} series` : ""}
        </span>
      </div>
      {points === 0 ? (
        <div className="empty" style={{ height }}>
          {empty ?? "No points yet."}
        </div>
      ) : (
        <LineChart responsive style={{ width: "100%", height }} margin={{ top: 6, right: 16, bottom: 4, left: 4 }}>
          <CartesianGrid stroke="#eef0f3" />
          <XAxis
            dataKey="x"
            type="number"
            domain={["dataMin", "dataMax"]}
            tickFormatter={(v: number) => formatCompact(v)}
            allowDuplicatedCategory={false}
            fontSize={11}
            label={{ value: xLabel, position: "insideBottomRight", offset: -2, fontSize: 11, fill: "#5d6b7e" }}
            height={34}
          />
          <YAxis
            type="number"
            scale={logY ? "log" : "linear"}
            domain={["auto", "auto"]}
            allowDataOverflow={false}
            tickFormatter={(v: number) => formatNumber(v, 3)}
            fontSize={11}
            width={56}
          />
          <Tooltip
            formatter={(v) => formatNumber(typeof v === "number" ? v : Number(v))}
            labelFormatter={(l) => `${xLabel} ${formatNumber(Number(l))}`}
            isAnimationActive={false}
          />
          {showRaw
            ? series.map((s) => (
                <Line
                  key={`${s.id}-raw`}
                  data={s.points}
                  dataKey="raw"
                  name={`${s.label} (raw)`}
                  stroke={s.color}
                  strokeOpacity={0.25}
                  dot={false}
                  isAnimationActive={false}
                  legendType="none"
                  connectNulls
                  type="linear"
                  tooltipType="none"
                />
              ))
            : null}
          {series.map((s) => (
            <Line
              key={s.id}
              data={s.points}
              dataKey="y"
              name={s.label}
              stroke={s.color}
              strokeWidth={1.6}
              strokeDasharray={s.dashed ? "5 3" : undefined}
              dot={s.points.length < 30 ? { r: 2 } : false}
              isAnimationActive={false}
              connectNulls
              type="linear"
            />
          ))}
        </LineChart>
      )}
      {points > 0 && series.length > 1 ? (
        <ul className="chart-legend" aria-label="Legend">
          {series.map((s) => (
            <li key={s.id}>
              <span className="swatch" style={{ borderTopColor: s.color, borderTopStyle: s.dashed ? "dashed" : "solid" }} />
              {s.label}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
});
