// The recurrent layers over a whole sequence on webgpu, in WGSL (issue 14, part 2): the same
// kernel pairs and contract as the native addon's (rnn-sequence.ts), so ops/rnn-sequence.ts and
// the cells take them unchanged. Batch-major: xs [B, T, G H] (x W^T + b for every step, one matMul
// before the loop), U [G H, H], states [B, H], mask m [B, T] (1 token, 0 padding: the state
// carries over and hs holds the carried states); direction is the caller's (bidirectional.ts
// reverses its inputs in time). Per layer:
//   forward  one transpose of U, T step dispatches (U h_{t-1} + xs_t, the gates, the state update
//            and the mask in one shader), one copy per output
//   backward T + 1 step dispatches (the gates' gradients and the dh (dc) recurrence: dz_{t+1} U),
//            one copy per output, dU as one matMul over all steps (GRU: db_h as one sum)
// A tfjs program writes one buffer, so each loop writes one packed buffer (each step's outputs at
// fixed offsets) that the copies unpack afterwards. A step thread takes one column j for ROWS (4)
// batch rows, so that each weight it reads from U serves four rows (the product U h_{t-1} reads U
// B/4 times per step instead of B times); it is still a dot product per thread, not a tiled
// matMul in workgroup memory (workgroups of 64 threads).
import type { KernelOverride } from "./registry.js";
import { webgpuElmanSequenceOverrides } from "./webgpu-elman-sequence.js";
import { webgpuGruSequenceOverrides } from "./webgpu-gru-sequence.js";
import { webgpuLstmSequenceOverrides } from "./webgpu-lstm-sequence.js";

export const webgpuRnnSequenceOverrides: readonly KernelOverride[] = [
  ...webgpuLstmSequenceOverrides,
  ...webgpuGruSequenceOverrides,
  ...webgpuElmanSequenceOverrides,
];
