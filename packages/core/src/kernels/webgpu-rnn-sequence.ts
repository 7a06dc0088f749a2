// The recurrent layers over a whole sequence on webgpu, in WGSL (issue 14, part 2): the same
// kernel pairs and contract as the native addon's (rnn-sequence.ts), so ops/rnn-sequence.ts and
// the cells take them unchanged. Batch-major: xs [B, T, G H] (x W^T + b for every step, one matMul
// before the loop), U [G H, H], states [B, H], mask m [B, T] (1 token, 0 padding: the state
// carries over and hs holds the carried states); direction is the caller's (bidirectional.ts
// reverses its inputs in time). Per layer:
//   forward  T step dispatches (U h_{t-1} + xs_t, the gates, the state update and the mask in one
//            shader; U read as it is, adjacent threads taking adjacent k), one copy per output
//   backward T + 1 step dispatches (the gates' gradients and the dh (dc) recurrence: dz_{t+1} U),
//            one copy per output, dU as one matMul over all steps (GRU: db_h as one sum)
// A tfjs program writes one buffer, so each loop writes one packed buffer (each step's outputs at
// fixed offsets) that the copies unpack afterwards. A step's workgroup takes 4 batch rows and 8 or
// 16 columns j (each weight it reads from U serves four rows: U is read B/4 times per step), and
// its 128 or 256 threads split the product's k among them, adding the slices in workgroup memory
// (webgpu-rnn-programs.ts stepProgram): an LSTM step of the reference LM is 16,000 threads that
// sum 13 k each forward and 16,640 that sum 50 backward, instead of 1,000 threads summing 200 and 800.
import type { KernelOverride } from "./registry.js";
import { webgpuElmanSequenceOverrides } from "./webgpu-elman-sequence.js";
import { webgpuGruSequenceOverrides } from "./webgpu-gru-sequence.js";
import { webgpuLstmSequenceOverrides } from "./webgpu-lstm-sequence.js";

export const webgpuRnnSequenceOverrides: readonly KernelOverride[] = [
  ...webgpuLstmSequenceOverrides,
  ...webgpuGruSequenceOverrides,
  ...webgpuElmanSequenceOverrides,
];
