// The LSTM layer over a whole sequence on webgpu, in WGSL (issue 14, part 2): the same kernel pair
// and contract as the native addon's (rnn-sequence.ts), so ops/rnn-sequence.ts and the cells take
// it unchanged. Batch-major: xs [B, T, 4H] (x W^T + b for every step, one matMul before the loop),
// U [4H, H], h0, c0 [B, H], mask m [B, T] (1 token, 0 padding: the state carries over, and hs
// holds the carried states); direction is the caller's (bidirectional reverses its inputs).
//   forward, one dispatch per step t (thread = (b, j)):
//     z = xs_t + U h_{t-1};  i, f, o = sigma(z_i, z_f, z_o);  g = tanh(z_g)
//     c' = f c_{t-1} + i g;  h' = o tanh(c');  c_t = c_{t-1} + m (c' - c_{t-1});  h_t likewise
//   backward, one dispatch per step t = T-1 .. 0, then one for (dh0, dc0):
//     dh = dhs_t + dz_{t+1} U + (1 - m_{t+1}) dh_{t+1};  dc = dcs_t + (carried from t+1)
//     dz = the gates' gradients;  dU = dz^T [h_{t-1}] over all steps as one matMul afterwards
// A tfjs program writes one buffer, so each loop writes one packed buffer (the per-step outputs
// at fixed offsets: step t reads what step t-1 wrote, WebGPU orders dispatches), and one copy per
// output unpacks it after the loop. U is transposed once per forward so that the recurrent
// product reads it coalesced (adjacent threads, adjacent j). Programs follow webgpu-softmax-ce.ts.
import { util } from "@tensorflow/tfjs-core";
import type { DataType, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { kernelFunc, type KernelOverride } from "./registry.js";
import { LstmSequence, LstmSequenceGrad } from "./rnn-sequence.js";

interface WebgpuProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  size: boolean;
  uniforms?: string;
  getUserCode(): string;
}

type Uniform = { type: "int32"; data: number[] };

interface WebgpuBackendLike {
  runWebGPUProgram(program: WebgpuProgram, inputs: TensorInfo[], outputDtype: DataType, uniforms?: Uniform[], output?: TensorInfo): TensorInfo;
  makeTensorInfo(shape: number[], dtype: DataType): TensorInfo;
  disposeData(dataId: object): void;
}

/** One invocation per element of `threads` (a shape), `body` run with `index` below its size. */
function program(name: string, variableNames: string[], threads: number[], body: string, uniforms?: string): WebgpuProgram {
  const workgroupSize: [number, number, number] = [64, 1, 1];
  return {
    variableNames,
    outputShape: threads,
    shaderKey: `unroll_${name}`,
    dispatchLayout: { x: threads.map((_, i) => i) },
    dispatch: [Math.ceil(util.sizeFromShape(threads) / workgroupSize[0]), 1, 1],
    workgroupSize,
    size: true,
    ...(uniforms ? { uniforms } : {}),
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          ${body}
        }
      }`,
  };
}

/** result[index] = packed[offset + index]: one output out of a loop's packed buffer. */
const unpack = (shape: number[]) => program("rnn_unpack", ["packed"], shape, "result[index] = packed[uniforms.offset + index];", "offset : i32,");

// Forward packed buffer (N = B T H): hs at 0, cs at N, acts [B, T, 5H] (i, f, g, o, tanh c') at 2N.
const lstmStep = (threads: number) =>
  program(
    "lstm_seq_step",
    ["xs", "uT", "h0", "c0", "mask"],
    [threads], // B H: one per (b, j)
    `let H = uniforms.h0Shape[1];
          let T = uniforms.maskShape[1];
          let N = uniforms.maskShape[0] * T * H;
          let t = uniforms.step;
          let b = index / H;
          let j = index - b * H;
          let r = b * T + t;
          var zi = xs[r * 4 * H + j];
          var zf = xs[r * 4 * H + H + j];
          var zg = xs[r * 4 * H + 2 * H + j];
          var zo = xs[r * 4 * H + 3 * H + j];
          for (var k = 0; k < H; k++) {
            var hk = 0.0;
            if (t == 0) { hk = h0[b * H + k]; } else { hk = result[(r - 1) * H + k]; }
            let w = k * 4 * H + j; // U^T [H, 4H]: row k, gate columns
            zi += uT[w] * hk;
            zf += uT[w + H] * hk;
            zg += uT[w + 2 * H] * hk;
            zo += uT[w + 3 * H] * hk;
          }
          var hp = 0.0;
          var cp = 0.0;
          if (t == 0) { hp = h0[b * H + j]; cp = c0[b * H + j]; } else { hp = result[(r - 1) * H + j]; cp = result[N + (r - 1) * H + j]; }
          let ig = 1.0 / (1.0 + exp(-zi));
          let fg = 1.0 / (1.0 + exp(-zf));
          let gg = tanh(zg);
          let og = 1.0 / (1.0 + exp(-zo));
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
    "step : i32,",
  );

// Backward packed buffer: dz [B, T, 4H] at 0, dhKeep (1 - m) dh at 4N, dcPrev (to step t-1) at 5N,
// dh0 [B, H] at 6N, dc0 at 6N + BH. Step t = -1 only gathers what flows into the initial state.
const lstmGradStep = (threads: number) =>
  program(
    "lstm_seq_grad_step",
    ["acts", "cs", "c0", "mask", "dhs", "dcs", "u"],
    [threads],
    `let H = uniforms.c0Shape[1];
          let T = uniforms.maskShape[1];
          let N = uniforms.maskShape[0] * T * H;
          let t = uniforms.step;
          let b = index / H;
          let j = index - b * H;
          var dh = 0.0;
          var dc = 0.0;
          if (t + 1 < T) {
            let rn = b * T + t + 1;
            dh = result[4 * N + rn * H + j];
            for (var k = 0; k < 4 * H; k++) { dh += result[rn * 4 * H + k] * u[k * H + j]; } // dz_{t+1} U
            dc = result[5 * N + rn * H + j];
          }
          if (t < 0) {
            result[6 * N + index] = dh;
            result[6 * N + uniforms.maskShape[0] * H + index] = dc;
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
    "step : i32,",
  );

/** [h_{t-1}] for every step, [B, T, H]: h0 at t = 0, else hs shifted by one step. */
const previousStates = (shape: number[]) =>
  program(
    "rnn_prev_states",
    ["hs", "h0"],
    shape,
    `let H = uniforms.hsShape[2];
          let T = uniforms.hsShape[1];
          let b = index / (T * H);
          let t = (index / H) % T;
          if (t == 0) { result[index] = h0[b * H + index % H]; } else { result[index] = hs[index - H]; }`,
  );

function sizes(name: string, xs: TensorInfo, u: TensorInfo, h0: TensorInfo | undefined, c0: TensorInfo | undefined, mask: TensorInfo | undefined) {
  const [B, T, GH] = xs.shape as [number, number, number];
  const H = u.shape[1]!;
  const state = (s: TensorInfo | undefined) => s !== undefined && util.arraysEqual(s.shape, [B, H]);
  if (xs.shape.length !== 3 || GH !== 4 * H || u.shape[0] !== GH || !state(h0) || !state(c0) || !mask || !util.arraysEqual(mask.shape, [B, T])) {
    throw new Error(
      `${name}: expected float32 xs [B, T, 4H], U [4H, H], h0 and c0 [B, H], mask [B, T]; got xs [${xs.shape}], U [${u.shape}], h0 [${h0?.shape}], c0 [${c0?.shape}], mask [${mask?.shape}]`,
    );
  }
  if ([xs, u, h0, c0, mask].some((t) => t!.dtype !== "float32")) throw new Error(`${name}: expected float32 inputs`);
  return { B, T, H };
}

const forward: KernelFunc = ({ inputs, backend }) => {
  const { xs, u, h0, c0, mask } = inputs as Record<string, TensorInfo | undefined>;
  const { B, T, H } = sizes(LstmSequence, xs!, u!, h0, c0, mask);
  const gpu = backend as unknown as WebgpuBackendLike;
  const N = B * T * H;
  const uT = kernelFunc("Transpose", "webgpu")({ inputs: { x: u! }, backend, attrs: { perm: [1, 0] } }) as TensorInfo; // [H, 4H]
  const packed = gpu.makeTensorInfo([7 * N], "float32"); // hs | cs | acts
  // a fresh program object per dispatch: runWebGPUProgram extends its shaderKey in place
  for (let t = 0; t < T; t++) gpu.runWebGPUProgram(lstmStep(B * H), [xs!, uT, h0!, c0!, mask!], "float32", [{ type: "int32", data: [t] }], packed);
  const out = (shape: number[], offset: number) => gpu.runWebGPUProgram(unpack(shape), [packed], "float32", [{ type: "int32", data: [offset] }]);
  const result = [out([B, T, H], 0), out([B, T, H], N), out([B, T, 5 * H], 2 * N)]; // hs, cs, acts
  gpu.disposeData(uT.dataId);
  gpu.disposeData(packed.dataId);
  return result;
};

const backward: KernelFunc = ({ inputs, backend }) => {
  const { acts, cs, hs, u, h0, c0, mask, dhs, dcs } = inputs as Record<string, TensorInfo | undefined>;
  const [B, T, H] = hs!.shape as [number, number, number];
  const N = B * T * H;
  const ok = (x: TensorInfo | undefined, n: number) => x !== undefined && util.sizeFromShape(x.shape) === n;
  if (!ok(acts, 5 * N) || !ok(cs, N) || !ok(dhs, N) || !ok(dcs, N) || !ok(mask, B * T) || !ok(h0, B * H) || !ok(c0, B * H) || !ok(u, 4 * H * H)) {
    throw new Error(
      `${LstmSequenceGrad}: expected hs, cs, dhs, dcs [B, T, H], acts [B, T, 5H], mask [B, T]; got hs [${hs!.shape}], dhs [${dhs?.shape}], acts [${acts?.shape}], mask [${mask?.shape}]`,
    );
  }
  const gpu = backend as unknown as WebgpuBackendLike;
  const packed = gpu.makeTensorInfo([6 * N + 2 * B * H], "float32"); // dz | dhKeep | dcPrev | dh0 | dc0
  for (let t = T - 1; t >= -1; t--)
    gpu.runWebGPUProgram(lstmGradStep(B * H), [acts!, cs!, c0!, mask!, dhs!, dcs!, u!], "float32", [{ type: "int32", data: [t] }], packed);
  const out = (shape: number[], offset: number) => gpu.runWebGPUProgram(unpack(shape), [packed], "float32", [{ type: "int32", data: [offset] }]);
  const dz = out([1, B * T, 4 * H], 0); // dxs, as [1, B T, 4H] for the matMul
  const prev = gpu.runWebGPUProgram(previousStates([B, T, H]), [hs!, h0!], "float32"); // [B, T, H]
  const prev3 = { ...prev, shape: [1, B * T, H] }; // same buffer, the shape BatchMatMul takes
  const du = kernelFunc("BatchMatMul", "webgpu")({ inputs: { a: dz, b: prev3 }, backend, attrs: { transposeA: true, transposeB: false } }) as TensorInfo; // [1, 4H, H]
  gpu.disposeData(prev.dataId);
  const dh0 = out([B, H], 6 * N);
  const dc0 = out([B, H], 6 * N + B * H);
  gpu.disposeData(packed.dataId);
  return [{ ...dz, shape: [B, T, 4 * H] }, { ...du, shape: [4 * H, H] }, dh0, dc0];
};

export const webgpuRnnSequenceOverrides: readonly KernelOverride[] = [
  { kernelName: LstmSequence, build: () => forward },
  { kernelName: LstmSequenceGrad, build: () => backward },
];
