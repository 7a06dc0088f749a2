// The LSTM layer over a whole sequence on webgpu, in WGSL (issue 14, part 2), under the native
// addon's LstmSequence contract (rnn-sequence.ts; webgpu-rnn-sequence.ts says what all three
// cells share). Gates i, f, g, o as cells/lstm.ts:
//   forward, one dispatch per step t (webgpu-rnn-programs.ts stepProgram: U h_{t-1} split over k, then per b, j):
//     z = xs_t + U h_{t-1};  i, f, o = sigma(z_i, z_f, z_o);  g = tanh(z_g)
//     c' = f c_{t-1} + i g;  h' = o tanh(c');  c_t = c_{t-1} + m (c' - c_{t-1});  h_t likewise
//   backward, one dispatch per step t = T-1 .. 0, then one for (dh0, dc0):
//     dh = dhs_t + dz_{t+1} U + (1 - m_{t+1}) dh_{t+1};  dc = dcs_t + f_{t+1} dc'_{t+1} + (1 - m_{t+1}) dc_{t+1}
//     dz = the gates' gradients;  dU = dz^T [h_{t-1}] over all steps as one matMul afterwards
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import type { KernelOverride } from "./registry.js";
import { LstmSequence, LstmSequenceGrad } from "./rnn-sequence.js";
import { downFrom, expectSizes, gpuOf, runSteps, stepProgram, unpack, upTo, weightGrad } from "./webgpu-rnn-programs.js";

// Forward packed buffer (N = B T H): hs at 0, cs at N, acts [B, T, 5H] (i, f, g, o, tanh c') at 2N.
const lstmStep = (sizes: { B: number; H: number }) =>
  stepProgram("lstm_seq_step", ["xs", "u", "h0", "c0", "mask"], sizes, {
    // acc = U h_{t-1}, gates i, f, g, o (U [4H, H]: row g H + j)
    product: { outputs: 4, K: "H", weight: (g) => `u[(${g} * H + jr) * H + k]`, value: "prevH(rb, t, k)", adjacent: "k" },
    row: `let r = b * T + t;
              let x = r * 4 * H + j;
              let z = acc + vec4<f32>(xs[x], xs[x + H], xs[x + 2 * H], xs[x + 3 * H]);
              let hp = prevH(b, t, j);
              var cp = 0.0;
              if (t == 0) { cp = c0[b * H + j]; } else { cp = result[N + (r - 1) * H + j]; }
              let ig = 1.0 / (1.0 + exp(-z.x));
              let fg = 1.0 / (1.0 + exp(-z.y));
              let gg = tanh(z.z);
              let og = 1.0 / (1.0 + exp(-z.w));
              let cn = fg * cp + ig * gg; // c' = f c_{t-1} + i g
              let tc = tanh(cn);
              let m = mask[r];
              result[r * H + j] = hp + m * (og * tc - hp); // h_t (carried over padding)
              result[N + r * H + j] = cp + m * (cn - cp); // c_t
              let a = 2 * N + r * 5 * H + j;
              result[a] = ig;
              result[a + H] = fg;
              result[a + 2 * H] = gg;
              result[a + 3 * H] = og;
              result[a + 4 * H] = tc;`,
  });

// Backward packed buffer: dz [B, T, 4H] at 0, dhKeep (1 - m) dh at 4N, dcPrev (to step t-1) at 5N,
// dh0 [B, H] at 6N, dc0 at 6N + BH. Step t = -1 only gathers what flows into the initial state.
const lstmGradStep = (sizes: { B: number; H: number }) =>
  stepProgram("lstm_seq_grad_step", ["acts", "cs", "c0", "mask", "dhs", "dcs", "u"], sizes, {
    // acc = dz_{t+1} U
    product: { outputs: 1, K: "4 * H", weight: () => "u[k * H + jr]", value: "result[(rb * T + t + 1) * 4 * H + k]", when: "t + 1 < T", adjacent: "j" },
    row: `var dh = acc;
              var dc = 0.0;
              if (t + 1 < T) {
                let rn = b * T + t + 1;
                dh += result[4 * N + rn * H + j];
                dc = result[5 * N + rn * H + j];
              }
              if (t < 0) {
                result[6 * N + b * H + j] = dh;
                result[6 * N + B * H + b * H + j] = dc;
              } else {
                let r = b * T + t;
                dh += dhs[r * H + j];
                dc += dcs[r * H + j];
                let a = r * 5 * H + j;
                let ig = acts[a];
                let fg = acts[a + H];
                let gg = acts[a + 2 * H];
                let og = acts[a + 3 * H];
                let tc = acts[a + 4 * H];
                var cp = 0.0;
                if (t == 0) { cp = c0[b * H + j]; } else { cp = cs[(r - 1) * H + j]; }
                let m = mask[r];
                let dhn = m * dh; // into h'
                let dcn = m * dc + dhn * og * (1.0 - tc * tc); // into c'
                let z = r * 4 * H + j;
                result[z] = dcn * gg * ig * (1.0 - ig);
                result[z + H] = dcn * cp * fg * (1.0 - fg);
                result[z + 2 * H] = dcn * ig * (1.0 - gg * gg);
                result[z + 3 * H] = dhn * tc * og * (1.0 - og);
                result[4 * N + r * H + j] = (1.0 - m) * dh;
                result[5 * N + r * H + j] = dcn * fg + (1.0 - m) * dc;
              }`,
  });

const forward: KernelFunc = ({ inputs, backend }) => {
  const { xs, u, h0, c0, mask } = inputs as Record<string, TensorInfo | undefined>;
  const [B, T] = xs!.shape as [number, number, number];
  const H = u!.shape[1]!;
  const N = B * T * H;
  expectSizes(LstmSequence, "xs [B, T, 4H], U [4H, H], h0 and c0 [B, H], mask [B, T]", {
    xs: [xs, 4 * N],
    u: [u, 4 * H * H],
    h0: [h0, B * H],
    c0: [c0, B * H],
    mask: [mask, B * T],
  });
  const gpu = gpuOf(backend);
  const packed = gpu.makeTensorInfo([7 * N], "float32"); // hs | cs | acts
  runSteps(gpu, () => lstmStep({ B, H }), [xs!, u!, h0!, c0!, mask!], packed, { steps: upTo(T), H });
  const result = [unpack(gpu, packed, [B, T, H], 0), unpack(gpu, packed, [B, T, H], N), unpack(gpu, packed, [B, T, 5 * H], 2 * N)]; // hs, cs, acts
  gpu.disposeData(packed.dataId);
  return result;
};

const backward: KernelFunc = ({ inputs, backend }) => {
  const { acts, cs, hs, u, h0, c0, mask, dhs, dcs } = inputs as Record<string, TensorInfo | undefined>;
  const [B, T, H] = hs!.shape as [number, number, number];
  const N = B * T * H;
  expectSizes(LstmSequenceGrad, "hs, cs, dhs, dcs [B, T, H], acts [B, T, 5H], U [4H, H], h0 and c0 [B, H], mask [B, T]", {
    acts: [acts, 5 * N],
    cs: [cs, N],
    dhs: [dhs, N],
    dcs: [dcs, N],
    u: [u, 4 * H * H],
    h0: [h0, B * H],
    c0: [c0, B * H],
    mask: [mask, B * T],
  });
  const gpu = gpuOf(backend);
  const packed = gpu.makeTensorInfo([6 * N + 2 * B * H], "float32"); // dz | dhKeep | dcPrev | dh0 | dc0
  runSteps(gpu, () => lstmGradStep({ B, H }), [acts!, cs!, c0!, mask!, dhs!, dcs!, u!], packed, { steps: downFrom(T), H });
  const dz = unpack(gpu, packed, [1, B * T, 4 * H], 0); // dxs, as [1, B T, 4H] for the matMul
  const du = weightGrad(backend, dz, hs!, h0!); // [4H, H]
  const dh0 = unpack(gpu, packed, [B, H], 6 * N);
  const dc0 = unpack(gpu, packed, [B, H], 6 * N + B * H);
  gpu.disposeData(packed.dataId);
  return [{ ...dz, shape: [B, T, 4 * H] }, du, dh0, dc0];
};

export const webgpuLstmSequenceOverrides: readonly KernelOverride[] = [
  { kernelName: LstmSequence, build: () => forward },
  { kernelName: LstmSequenceGrad, build: () => backward },
];
