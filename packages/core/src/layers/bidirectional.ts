// A recurrent layer in one or both directions. Bidirectional (J&M 8.5.2 / Schuster & Paliwal 1997):
//   h_t = [h_t^f ; h_t^b]
// where the backward cell reads each sequence right to left WITHIN ITS OWN LENGTH. We reverse the
// whole padded batch in time: a sequence of length L then starts with T - L pads, which (masked)
// leave the backward state at h_0, so the backward cell sees x_{L-1} ... x_0 exactly; reversing
// its outputs puts h_t^b back at position t and zeros at the pads.
import * as tf from "@tensorflow/tfjs-core";
import type { Cell, CellState, StepTap } from "../cells/index.js";
import { runCell } from "../cells/index.js";

export interface LayerOutput {
  outputs: tf.Tensor3D; // [B, T, H * directions]
  states: CellState[]; // one per direction (forward first, as torch's h_n)
}

export class RecurrentLayer {
  constructor(
    readonly forwardCell: Cell,
    readonly backwardCell?: Cell,
  ) {}

  get directions(): number {
    return this.backwardCell ? 2 : 1;
  }

  get outputSize(): number {
    return this.forwardCell.hiddenSize * this.directions;
  }

  /**
   * x [B, T, I], states one per direction, mask [B, T] -> outputs [B, T, H * dirs]. `taps` (one
   * per direction, diagnostics) see each state at its position t in the text, both directions.
   */
  forward(x: tf.Tensor3D, states: CellState[], mask?: tf.Tensor2D, taps?: (StepTap | undefined)[]): LayerOutput {
    return tf.tidy(() => {
      const fwd = runCell(this.forwardCell, x, states[0] as CellState, mask, taps?.[0]);
      if (!this.backwardCell) return { outputs: fwd.outputs, states: [fwd.state] };
      const xRev = tf.reverse(x, 1); // [B, T, I]
      const maskRev = mask ? (tf.reverse(mask, 1) as tf.Tensor2D) : undefined;
      const T = x.shape[1];
      const tapB = taps?.[1];
      const bwd = runCell(this.backwardCell, xRev, states[1] as CellState, maskRev, tapB && ((t, name, s) => tapB(t < 0 ? t : T - 1 - t, name, s))); // reversed step t reads position T-1-t
      const hb = tf.reverse(bwd.outputs, 1); // back to position t
      return { outputs: tf.concat([fwd.outputs, hb], 2) as tf.Tensor3D, states: [fwd.state, bwd.state] }; // [h^f ; h^b]
    });
  }
}
