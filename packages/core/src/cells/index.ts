// Cell factory: the one place that maps a CellKind to its class.
import type { Parameters } from "../params.js";
import type { Rng } from "../random.js";
import type { Activation, Cell, CellKind } from "./cell.js";
import { ElmanCell } from "./elman.js";
import { GRUCell } from "./gru.js";
import { LSTMCell } from "./lstm.js";

export * from "./cell.js";
export { ElmanCell, GRUCell, LSTMCell };

export function createCell(
  kind: CellKind,
  params: Parameters,
  prefix: string,
  suffix: string,
  inputSize: number,
  hiddenSize: number,
  rng: Rng,
  activation: Activation = "tanh",
): Cell {
  switch (kind) {
    case "elman":
      return new ElmanCell(params, prefix, suffix, inputSize, hiddenSize, rng, activation);
    case "lstm":
      return new LSTMCell(params, prefix, suffix, inputSize, hiddenSize, rng);
    case "gru":
      return new GRUCell(params, prefix, suffix, inputSize, hiddenSize, rng);
  }
}
