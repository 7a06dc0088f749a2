// The recurrent cells by name, one name each everywhere: the experiment config, the models,
// checkpoints, exports and the runs' `cell` column. Pure (no TensorFlow.js): the browser-safe
// config imports it.

export const CELL_KINDS = ["elman", "lstm", "gru"] as const;
export type CellKind = (typeof CELL_KINDS)[number];

/**
 * The current name for a cell name as configs, stored runs and checkpoints may hold it: the
 * experiment config called the Elman cell "rnn" before it became "elman" there too. Anything
 * else comes back as it is (the schema then judges it).
 */
export function currentCellName(cell: unknown): unknown {
  return cell === "rnn" ? "elman" : cell;
}
