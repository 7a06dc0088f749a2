// The GRU layer over a whole sequence on webgpu, in WGSL (issue 14, part 2), under the native
// addon's GruSequence contract (rnn-sequence.ts; webgpu-rnn-sequence.ts says what all three cells
// share). Gates r, z, n as cells/gru.ts, b_h inside the recurrence:
//   forward, one dispatch per step t (webgpu-rnn-programs.ts stepProgram: U h_{t-1} split over k, then per b, j):
//     hp = U h_{t-1} + b_h;  r = sigma(xs_r + hp_r);  z = sigma(xs_z + hp_z);  n = tanh(xs_n + r hp_n)
//     h' = (1 - z) n + z h_{t-1};  h_t = h_{t-1} + m (h' - h_{t-1})
//   backward, one dispatch per step t = T-1 .. 0, then one for dh0:
//     dh = dhs_t + dhp_{t+1} U + ((1 - m) dh + m dh z)_{t+1};  dxs = d(r, z, n pre-activations);
//     dhp = (dxs_r, dxs_z, dxs_n r);  dU = dhp^T [h_{t-1}] and db_h = sum dhp over all steps afterwards
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { kernelFunc, type KernelOverride } from "./registry.js";
import { GruSequence, GruSequenceGrad } from "./rnn-sequence.js";
import { downFrom, expectSizes, gpuOf, runSteps, stepProgram, unpack, upTo, weightGrad } from "./webgpu-rnn-programs.js";

// Forward packed buffer (N = B T H): hs at 0, acts [B, T, 4H] (r, z, n, hp_n) at N.
const gruStep = (sizes: { B: number; H: number }) =>
  stepProgram("gru_seq_step", ["xs", "u", "bh", "h0", "mask"], sizes, {
    // acc = U h_{t-1}, gates r, z, n (U [3H, H]: row g H + j)
    product: { outputs: 3, K: "H", weight: (g) => `u[(${g} * H + jr) * H + k]`, value: "prevH(rb, t, k)", adjacent: "k" },
    row: `let r = b * T + t;
              let hq = acc + vec3<f32>(bh[j], bh[H + j], bh[2 * H + j]); // hp = U h_{t-1} + b_h
              let hp = prevH(b, t, j);
              let x = r * 3 * H + j;
              let rg = 1.0 / (1.0 + exp(-(xs[x] + hq.x)));
              let zg = 1.0 / (1.0 + exp(-(xs[x + H] + hq.y)));
              let ng = tanh(xs[x + 2 * H] + rg * hq.z);
              let m = mask[r];
              result[r * H + j] = hp + m * ((1.0 - zg) * ng + zg * hp - hp); // h_t (carried over padding)
              let a = N + r * 4 * H + j;
              result[a] = rg;
              result[a + H] = zg;
              result[a + 2 * H] = ng;
              result[a + 3 * H] = hq.z;`,
  });

// Backward packed buffer: dxs [B, T, 3H] at 0, dhp [B, T, 3H] at 3N, dhKeep at 6N, dh0 [B, H] at 7N.
const gruGradStep = (sizes: { B: number; H: number }) =>
  stepProgram("gru_seq_grad_step", ["acts", "hs", "h0", "mask", "dhs", "u"], sizes, {
    // acc = dhp_{t+1} U
    product: { outputs: 1, K: "3 * H", weight: () => "u[k * H + jr]", value: "result[3 * N + (rb * T + t + 1) * 3 * H + k]", when: "t + 1 < T", adjacent: "j" },
    row: `var dh = acc;
              if (t + 1 < T) { dh += result[6 * N + (b * T + t + 1) * H + j]; }
              if (t < 0) {
                result[7 * N + b * H + j] = dh;
              } else {
                let r = b * T + t;
                dh += dhs[r * H + j];
                let a = r * 4 * H + j;
                let rg = acts[a];
                let zg = acts[a + H];
                let ng = acts[a + 2 * H];
                let hn = acts[a + 3 * H];
                var hp = 0.0;
                if (t == 0) { hp = h0[b * H + j]; } else { hp = hs[(r - 1) * H + j]; }
                let m = mask[r];
                let d = m * dh; // into h'
                let dan = d * (1.0 - zg) * (1.0 - ng * ng);
                let dar = dan * hn * rg * (1.0 - rg);
                let daz = d * (hp - ng) * zg * (1.0 - zg);
                let x = r * 3 * H + j;
                result[x] = dar;
                result[x + H] = daz;
                result[x + 2 * H] = dan;
                result[3 * N + x] = dar;
                result[3 * N + x + H] = daz;
                result[3 * N + x + 2 * H] = dan * rg;
                result[6 * N + r * H + j] = (1.0 - m) * dh + d * zg;
              }`,
  });

const forward: KernelFunc = ({ inputs, backend }) => {
  const { xs, u, bh, h0, mask } = inputs as Record<string, TensorInfo | undefined>;
  const [B, T] = xs!.shape as [number, number, number];
  const H = u!.shape[1]!;
  const N = B * T * H;
  expectSizes(GruSequence, "xs [B, T, 3H], U [3H, H], b_h [3H], h0 [B, H], mask [B, T]", {
    xs: [xs, 3 * N],
    u: [u, 3 * H * H],
    bh: [bh, 3 * H],
    h0: [h0, B * H],
    mask: [mask, B * T],
  });
  const gpu = gpuOf(backend);
  const packed = gpu.makeTensorInfo([5 * N], "float32"); // hs | acts
  runSteps(gpu, () => gruStep({ B, H }), [xs!, u!, bh!, h0!, mask!], packed, { steps: upTo(T), H });
  const result = [unpack(gpu, packed, [B, T, H], 0), unpack(gpu, packed, [B, T, 4 * H], N)]; // hs, acts
  gpu.disposeData(packed.dataId);
  return result;
};

const backward: KernelFunc = ({ inputs, backend }) => {
  const { acts, hs, u, h0, mask, dhs } = inputs as Record<string, TensorInfo | undefined>;
  const [B, T, H] = hs!.shape as [number, number, number];
  const N = B * T * H;
  expectSizes(GruSequenceGrad, "hs, dhs [B, T, H], acts [B, T, 4H], U [3H, H], h0 [B, H], mask [B, T]", {
    acts: [acts, 4 * N],
    dhs: [dhs, N],
    u: [u, 3 * H * H],
    h0: [h0, B * H],
    mask: [mask, B * T],
  });
  const gpu = gpuOf(backend);
  const packed = gpu.makeTensorInfo([7 * N + B * H], "float32"); // dxs | dhp | dhKeep | dh0
  runSteps(gpu, () => gruGradStep({ B, H }), [acts!, hs!, h0!, mask!, dhs!, u!], packed, { steps: downFrom(T), H });
  const dxs = unpack(gpu, packed, [B, T, 3 * H], 0);
  const dhp = unpack(gpu, packed, [1, B * T, 3 * H], 3 * N);
  const du = weightGrad(backend, dhp, hs!, h0!); // [3H, H]
  const x = { ...dhp, shape: [B * T, 3 * H] };
  const dbh = kernelFunc("Sum", "webgpu")({ inputs: { x }, backend, attrs: { axis: [0], keepDims: false } }) as TensorInfo; // [3H]
  const dh0 = unpack(gpu, packed, [B, H], 7 * N);
  gpu.disposeData(dhp.dataId);
  gpu.disposeData(packed.dataId);
  return [dxs, du, dbh, dh0];
};

export const webgpuGruSequenceOverrides: readonly KernelOverride[] = [
  { kernelName: GruSequence, build: () => forward },
  { kernelName: GruSequenceGrad, build: () => backward },
];
