"use client";
// Many lines in one SVG chart (compare of up to 500 runs, group means with their bands): one
// <path> per line, no chart library (recharts mounts ~7 ms per line: 3.5 s for 500). Hovering a
// line or its legend entry highlights it; the legend's search highlights the runs it matches.
// Reports its drawing width (onWidth) so the series can be asked for at that many pixels.
import { memo, useEffect, useMemo, useRef, useState } from "react";
import { formatCompact, formatNumber } from "~/lib/format";
import { bandPath, extentOf, linePath, scales, ticks, type XY } from "~/lib/line-scales";

export interface ChartLine {
  id: string;
  label: string;
  color: string;
  points: XY[];
  /** A min-max band drawn under the line (group charts). */
  band?: { x: number; lo: number; hi: number }[];
  dashed?: boolean;
}

export interface LinesChartProps {
  title: string;
  lines: ChartLine[];
  xLabel?: string;
  logY?: boolean;
  height?: number;
  empty?: string;
  testId?: string;
  /** Called with the drawing width in pixels when it changes. */
  onWidth?: (width: number) => void;
}

const FRAME = { left: 60, right: 14, top: 8, bottom: 30 };
/** Legend entries shown before "and N more" (the search reaches all). */
const LEGEND_SHOWN = 60;

export const LinesChart = memo(function LinesChart({ title, lines, xLabel = "step", logY = false, height = 340, empty, testId, onWidth }: LinesChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [hover, setHover] = useState<string | null>(null);
  const [search, setSearch] = useState("");
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => setWidth(Math.round(entry!.contentRect.width)));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  useEffect(() => {
    if (width > 0) onWidth?.(width);
  }, [width, onWidth]);

  const needle = search.trim().toLowerCase();
  const matches = useMemo(() => (needle ? new Set(lines.filter((l) => l.label.toLowerCase().includes(needle)).map((l) => l.id)) : null), [lines, needle]);
  const drawn = useMemo(() => {
    const extent = extentOf(
      [
        ...lines.map((l) => l.points),
        ...lines.map((l) =>
          (l.band ?? []).flatMap((b) => [
            { x: b.x, y: b.lo },
            { x: b.x, y: b.hi },
          ]),
        ),
      ],
      logY,
    );
    if (!extent || width === 0) return null;
    const s = scales(extent, { width, height, ...FRAME }, logY);
    return {
      extent,
      s,
      paths: lines.map((l) => ({ line: l, d: linePath(l.points, s.x, s.y, logY), band: l.band?.length ? bandPath(l.band, s.x, s.y) : "" })),
    };
  }, [lines, logY, width, height]);
  const points = lines.reduce((n, l) => n + l.points.length, 0);
  const lit = (id: string) => (hover ? hover === id : matches ? matches.has(id) : true);
  const legend = matches ? lines.filter((l) => matches.has(l.id)) : lines;

  return (
    <section className="panel" data-testid={testId} data-points={points} data-lines={drawn ? drawn.paths.filter((p) => p.d).length : 0} aria-label={title}>
      <div className="chart-title">
        <h2>{title}</h2>
        <span className="muted small">
          {points > 0 ? `${formatCompact(lines.length)} line${lines.length === 1 ? "" : "s"} · ${formatCompact(points)} points` : ""}
          {hover ? ` · ${lines.find((l) => l.id === hover)?.label ?? ""}` : ""}
        </span>
      </div>
      <div ref={box} style={{ width: "100%", height: points === 0 ? undefined : height }}>
        {points === 0 ? (
          <div className="empty" style={{ height }}>
            {empty ?? "No points yet."}
          </div>
        ) : drawn ? (
          <svg width={width} height={height} role="img" aria-label={`${title}: ${lines.length} lines`} onMouseLeave={() => setHover(null)}>
            {ticks(drawn.extent.y[0], drawn.extent.y[1], 5).map((v) => (
              <g key={`y${v}`}>
                <line x1={FRAME.left} x2={width - FRAME.right} y1={drawn.s.y(v)} y2={drawn.s.y(v)} stroke="#eef0f3" />
                <text x={FRAME.left - 6} y={drawn.s.y(v) + 4} fontSize={11} textAnchor="end" fill="#5d6b7e">
                  {formatNumber(v, 3)}
                </text>
              </g>
            ))}
            {ticks(drawn.extent.x[0], drawn.extent.x[1], 6).map((v) => (
              <text key={`x${v}`} x={drawn.s.x(v)} y={height - FRAME.bottom + 16} fontSize={11} textAnchor="middle" fill="#5d6b7e">
                {formatCompact(v)}
              </text>
            ))}
            <text x={width - FRAME.right} y={height - 2} fontSize={11} textAnchor="end" fill="#5d6b7e">
              {xLabel}
            </text>
            {drawn.paths.map(({ line, band }) =>
              band ? (
                <path key={`band-${line.id}`} data-band-id={line.id} d={band} fill={line.color} fillOpacity={lit(line.id) ? 0.16 : 0.04} stroke="none" />
              ) : null,
            )}
            {drawn.paths.map(({ line, d }) => (
              <path
                key={line.id}
                data-line-id={line.id}
                d={d}
                fill="none"
                stroke={line.color}
                strokeWidth={hover === line.id ? 3 : lines.length > 100 ? 1 : 1.6}
                strokeOpacity={lit(line.id) ? (lines.length > 100 && !hover && !matches ? 0.55 : 1) : 0.08}
                strokeDasharray={line.dashed ? "5 3" : undefined}
                style={{ pointerEvents: "visibleStroke", cursor: "pointer" }}
                onMouseEnter={() => setHover(line.id)}
              >
                <title>{line.label}</title>
              </path>
            ))}
          </svg>
        ) : null}
      </div>
      {points > 0 && lines.length > 1 ? (
        <div className="row" style={{ alignItems: "flex-start", marginTop: 6 }}>
          {lines.length > 8 ? (
            <input
              type="search"
              aria-label="Search the legend"
              placeholder={`Find among ${lines.length} lines`}
              value={search}
              onChange={(e) => setSearch(e.target.value)}
              style={{ width: 200 }}
            />
          ) : null}
          <ul className="chart-legend" aria-label="Legend" style={{ maxHeight: 96, overflowY: "auto", flex: 1 }}>
            {legend.slice(0, LEGEND_SHOWN).map((l) => (
              <li
                key={l.id}
                onMouseEnter={() => setHover(l.id)}
                onMouseLeave={() => setHover(null)}
                style={{ opacity: lit(l.id) ? 1 : 0.4, cursor: "default" }}
              >
                <span className="swatch" style={{ borderTopColor: l.color, borderTopStyle: l.dashed ? "dashed" : "solid" }} />
                {l.label}
              </li>
            ))}
            {legend.length > LEGEND_SHOWN ? <li className="muted">and {legend.length - LEGEND_SHOWN} more: search to find one</li> : null}
            {matches && legend.length === 0 ? <li className="muted">no line matches “{search}”</li> : null}
          </ul>
        </div>
      ) : null}
    </section>
  );
});
