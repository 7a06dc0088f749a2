"use client";
// A matrix as coloured cells (SVG, one <rect> per cell): the diagnostics' position x step maps and
// the playground's units x tokens. data-rows and data-cols give what is drawn, for tests.
import { memo } from "react";

export interface HeatmapProps {
  /** values[row][col] */
  values: (number | null)[][];
  color: (v: number | null) => string;
  rowLabel: (row: number) => string;
  colLabel: (col: number) => string;
  /** What a cell's tooltip says about its value. */
  format: (v: number | null) => string;
  xTitle: string;
  yTitle: string;
  selectedCol?: number;
  selectedRow?: number;
  onSelect?: (cell: { row: number; col: number }) => void;
  testId?: string;
  /** Most pixels to use across and down (cells are 3..24 px each). */
  width?: number;
  height?: number;
}

export const Heatmap = memo(function Heatmap({
  values,
  color,
  rowLabel,
  colLabel,
  format,
  xTitle,
  yTitle,
  selectedCol,
  selectedRow,
  onSelect,
  testId,
  width = 720,
  height = 320,
}: HeatmapProps) {
  const rows = values.length;
  const cols = rows ? values[0]!.length : 0;
  const cw = Math.max(3, Math.min(24, Math.floor(width / Math.max(cols, 1))));
  const ch = Math.max(3, Math.min(16, Math.floor(height / Math.max(rows, 1))));
  const left = 44,
    top = 16,
    bottom = 30;
  const W = left + cols * cw + 4,
    H = top + rows * ch + bottom;
  const every = (n: number, px: number) => Math.max(1, Math.ceil(28 / px)) * (n > 0 ? 1 : 0); // a label every ~28 px
  const xEvery = every(cols, cw),
    yEvery = every(rows, ch);
  return (
    <svg
      className="heatmap"
      data-testid={testId}
      data-rows={rows}
      data-cols={cols}
      width={W}
      height={H}
      role="img"
      aria-label={`${yTitle} by ${xTitle}: ${rows} x ${cols}`}
    >
      {values.map((row, r) =>
        row.map((v, c) => (
          <rect
            key={`${r}-${c}`}
            className="heat-cell"
            x={left + c * cw}
            y={top + r * ch}
            width={cw}
            height={ch}
            fill={color(v)}
            onClick={onSelect ? () => onSelect({ row: r, col: c }) : undefined}
            style={onSelect ? { cursor: "pointer" } : undefined}
          >
            <title>{`${xTitle} ${colLabel(c)}, ${yTitle} ${rowLabel(r)}: ${format(v)}`}</title>
          </rect>
        )),
      )}
      {selectedCol !== undefined && selectedCol < cols ? (
        <rect x={left + selectedCol * cw} y={top} width={cw} height={rows * ch} fill="none" stroke="#111" strokeWidth={1.5} pointerEvents="none" />
      ) : null}
      {selectedRow !== undefined && selectedRow < rows ? (
        <rect x={left} y={top + selectedRow * ch} width={cols * cw} height={ch} fill="none" stroke="#111" strokeWidth={1.5} pointerEvents="none" />
      ) : null}
      {Array.from({ length: rows }, (_, r) =>
        r % yEvery === 0 ? (
          <text key={`y${r}`} x={left - 4} y={top + r * ch + ch / 2 + 3} textAnchor="end" fontSize={10} fill="#5d6b7e">
            {rowLabel(r)}
          </text>
        ) : null,
      )}
      {Array.from({ length: cols }, (_, c) =>
        c % xEvery === 0 ? (
          <text key={`x${c}`} x={left + c * cw + cw / 2} y={top + rows * ch + 12} textAnchor="middle" fontSize={10} fill="#5d6b7e">
            {colLabel(c)}
          </text>
        ) : null,
      )}
      <text x={left} y={H - 4} fontSize={11} fill="#5d6b7e">
        {xTitle} →
      </text>
      <text x={4} y={11} fontSize={11} fill="#5d6b7e">
        {yTitle} ↓
      </text>
    </svg>
  );
});
