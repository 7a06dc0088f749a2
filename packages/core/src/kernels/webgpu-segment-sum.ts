// UnsortedSegmentSum on webgpu, in WGSL: out[v] = sum of x[i] over the rows i with ids[i] == v,
// the embedding gradient dE (ops/embedding.ts). tfjs-backend-webgpu 4.22's own kernel takes four
// dispatches for x [n, d]: a transpose of x to [d, n], a zero fill of [d, V], the scatter (each
// float added by an atomic compare-exchange loop, so repeated ids serialise and add in no fixed
// order), and a transpose of the whole [d, V] result back to [V, d]; it also folds an id >= V
// into id % V instead of dropping it. Here two dispatches, no atomics, the same order every time:
//   links  one thread per segment v: head[v], the first row with id v (-1: none); and one per
//          row i: next[i], the next row with the same id (-1: the last)
//   sum    one thread per output element (v, j): walks v's rows in ascending order and writes
//          their sum (0 for a segment no row names), so no zero fill comes first
// Rows are added in the order of the cpu loop (segment-sum.ts). Ids outside [0, V) are dropped,
// as in TensorFlow. A thread of `links` scans the ids (n per segment), which suits the
// embedding gradient's few thousand rows, not millions.
import { UnsortedSegmentSum, util } from "@tensorflow/tfjs-core";
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import type { KernelOverride } from "./registry.js";
import { gpuOf, program } from "./webgpu-program.js";

/** head[v] for v < V, then next[i] for every row: int32 [V + n]. */
const links = (V: number, n: number) =>
  program(
    "segment_links",
    ["ids"],
    [V + n],
    `let V = uniforms.segments;
          let n = uniforms.idsShape;
          var found = -1;
          if (index < V) {
            for (var k = 0; k < n; k++) { if (ids[k] == index) { found = k; break; } }
          } else {
            let i = index - V;
            let id = ids[i];
            for (var k = i + 1; k < n; k++) { if (ids[k] == id) { found = k; break; } }
          }
          result[index] = found;`,
    "segments : i32,",
  );

/** out [V, inner]: each element the sum of its segment's rows, walked through `links`. */
const sumRows = (V: number, inner: number, zero: string) =>
  program(
    "segment_sum_rows",
    ["x", "links"],
    [V * inner],
    `let inner = uniforms.inner;
          let v = index / inner;
          let j = index - v * inner;
          var s = ${zero};
          var k = links[v];
          while (k >= 0) {
            s += x[k * inner + j];
            k = links[uniforms.segments + k];
          }
          result[index] = s;`,
    "segments : i32, inner : i32,",
  );

const segmentSum =
  (stock: KernelConfig | undefined): KernelFunc =>
  (args) => {
    const x = args.inputs["x"] as TensorInfo;
    const ids = args.inputs["segmentIds"] as TensorInfo;
    const V = (args.attrs as { numSegments: number }).numSegments;
    const n = util.sizeFromShape(ids.shape);
    const innerShape = x.shape.slice(ids.shape.length);
    const inner = util.sizeFromShape(innerShape);
    const ours = (x.dtype === "float32" || x.dtype === "int32") && ids.dtype === "int32" && n > 0 && inner > 0 && V > 0;
    if (!ours) {
      if (stock) return stock.kernelFunc(args);
      throw new Error(`UnsortedSegmentSum on webgpu: expected float32 or int32 x and int32 ids; got ${x.dtype} and ${ids.dtype}`);
    }
    const gpu = gpuOf(args.backend);
    const segments = { type: "int32" as const, data: [V] };
    const linked = gpu.runWebGPUProgram(links(V, n), [{ ...ids, shape: [n] }], "int32", [segments]); // [V + n]
    const out = gpu.runWebGPUProgram(sumRows(V, inner, x.dtype === "int32" ? "0" : "0.0"), [{ ...x, shape: [n * inner] }, linked], x.dtype, [
      segments,
      { type: "int32", data: [inner] },
    ]); // [V inner]
    gpu.disposeData(linked.dataId);
    return { ...out, shape: [V, ...innerShape] };
  };

export const webgpuSegmentSumOverrides: readonly KernelOverride[] = [{ kernelName: UnsortedSegmentSum, build: segmentSum }];
