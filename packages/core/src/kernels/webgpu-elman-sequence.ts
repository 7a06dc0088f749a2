// The Elman (tanh or relu) layer over a whole sequence on webgpu, in WGSL (issue 14, part 2),
// under the native addon's ElmanSequence contract (rnn-sequence.ts; webgpu-rnn-sequence.ts says
// what all three cells share), as cells/elman.ts:
//   forward, one dispatch per step t (webgpu-rnn-programs.ts stepProgram: U h_{t-1} split over k, then per b, j):
//     h' = g(xs_t + U h_{t-1});  h_t = h_{t-1} + m (h' - h_{t-1})
//   backward, one dispatch per step t = T-1 .. 0, then one for dh0:
//     dh = dhs_t + dz_{t+1} U + (1 - m_{t+1}) dh_{t+1};  dz = m dh g'(h');  dU = dz^T [h_{t-1}] afterwards
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import type { KernelOverride } from "./registry.js";
import { ElmanSequence, ElmanSequenceGrad } from "./rnn-sequence.js";
import { downFrom, expectSizes, gpuOf, runSteps, stepProgram, unpack, upTo, weightGrad } from "./webgpu-rnn-programs.js";

type Activation = "tanh" | "relu";

function activationOf(kernel: string, attrs: unknown): Activation {
  const activation = (attrs as { activation?: unknown } | undefined)?.activation;
  if (activation !== "tanh" && activation !== "relu") throw new Error(`${kernel}: expected attrs.activation "tanh" or "relu"; got ${String(activation)}`);
  return activation;
}

// Forward packed buffer (N = B T H): hs at 0, acts h' [B, T, H] at N.
const elmanStep = (sizes: { B: number; H: number }, g: Activation) =>
  stepProgram(`elman_${g}_seq_step`, ["xs", "u", "h0", "mask"], sizes, {
    // acc = U h_{t-1} (U [H, H]: row j)
    product: { outputs: 1, K: "H", weight: () => "u[jr * H + k]", value: "prevH(rb, t, k)", adjacent: "k" },
    row: `let r = b * T + t;
              let z = xs[r * H + j] + acc;
              let hp = prevH(b, t, j);
              let hn = ${g === "relu" ? "max(z, 0.0)" : "tanh(z)"};
              let m = mask[r];
              result[r * H + j] = hp + m * (hn - hp); // h_t (carried over padding)
              result[N + r * H + j] = hn;`,
  });

// Backward packed buffer: dz [B, T, H] at 0, dhKeep (1 - m) dh at N, dh0 [B, H] at 2N.
const elmanGradStep = (sizes: { B: number; H: number }, g: Activation) =>
  stepProgram(`elman_${g}_seq_grad_step`, ["acts", "mask", "dhs", "u"], sizes, {
    // acc = dz_{t+1} U
    product: { outputs: 1, K: "H", weight: () => "u[k * H + jr]", value: "result[(rb * T + t + 1) * H + k]", when: "t + 1 < T", adjacent: "j" },
    row: `var dh = acc;
              if (t + 1 < T) { dh += result[N + (b * T + t + 1) * H + j]; }
              if (t < 0) {
                result[2 * N + b * H + j] = dh;
              } else {
                let r = b * T + t;
                dh += dhs[r * H + j];
                let hn = acts[r * H + j];
                let d = mask[r] * dh;
                result[r * H + j] = ${g === "relu" ? "select(0.0, d, hn > 0.0)" : "d * (1.0 - hn * hn)"};
                result[N + r * H + j] = (1.0 - mask[r]) * dh;
              }`,
  });

const forward: KernelFunc = ({ inputs, backend, attrs }) => {
  const { xs, u, h0, mask } = inputs as Record<string, TensorInfo | undefined>;
  const g = activationOf(ElmanSequence, attrs);
  const [B, T] = xs!.shape as [number, number, number];
  const H = u!.shape[1]!;
  const N = B * T * H;
  expectSizes(ElmanSequence, "xs [B, T, H], U [H, H], h0 [B, H], mask [B, T]", { xs: [xs, N], u: [u, H * H], h0: [h0, B * H], mask: [mask, B * T] });
  const gpu = gpuOf(backend);
  const packed = gpu.makeTensorInfo([2 * N], "float32"); // hs | acts
  runSteps(gpu, () => elmanStep({ B, H }, g), [xs!, u!, h0!, mask!], packed, { steps: upTo(T), H });
  const result = [unpack(gpu, packed, [B, T, H], 0), unpack(gpu, packed, [B, T, H], N)]; // hs, acts
  gpu.disposeData(packed.dataId);
  return result;
};

const backward: KernelFunc = ({ inputs, backend, attrs }) => {
  const { acts, hs, u, h0, mask, dhs } = inputs as Record<string, TensorInfo | undefined>;
  const g = activationOf(ElmanSequenceGrad, attrs);
  const [B, T, H] = hs!.shape as [number, number, number];
  const N = B * T * H;
  expectSizes(ElmanSequenceGrad, "hs, dhs, acts [B, T, H], U [H, H], h0 [B, H], mask [B, T]", {
    acts: [acts, N],
    dhs: [dhs, N],
    u: [u, H * H],
    h0: [h0, B * H],
    mask: [mask, B * T],
  });
  const gpu = gpuOf(backend);
  const packed = gpu.makeTensorInfo([2 * N + B * H], "float32"); // dz | dhKeep | dh0
  runSteps(gpu, () => elmanGradStep({ B, H }, g), [acts!, mask!, dhs!, u!], packed, { steps: downFrom(T), H });
  const dz = unpack(gpu, packed, [1, B * T, H], 0); // dxs, as [1, B T, H] for the matMul
  const du = weightGrad(backend, dz, hs!, h0!); // [H, H]
  const dh0 = unpack(gpu, packed, [B, H], 2 * N);
  gpu.disposeData(packed.dataId);
  return [{ ...dz, shape: [B, T, H] }, du, dh0];
};

export const webgpuElmanSequenceOverrides: readonly KernelOverride[] = [
  { kernelName: ElmanSequence, build: () => forward },
  { kernelName: ElmanSequenceGrad, build: () => backward },
];
