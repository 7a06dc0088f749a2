// Sum over leading axes on webgpu, in WGSL, without a transposed copy: x viewed as [R, C] (R the
// product of the summed leading axes) -> [C], the column sums. This is the bias gradient of every
// x W^T + b: db = sum over rows of dy, among them the decoder's (dy [N, |V|], the largest tensor of
// an LM step) and the recurrent layers' x W + b. tfjs-backend-webgpu 4.22 reduces only innermost
// axes: for these it first transposes all of dy (one more dispatch and an [N, |V|] buffer), then
// reduces. Here one dispatch: a workgroup takes COLUMNS adjacent columns (coalesced reads along a
// row) and ROW_GROUPS interleaved sets of rows, then adds the sets' partial sums in workgroup
// memory, in a fixed order. Everything else (innermost or mixed axes, few columns, other dtypes)
// goes to the stock kernel.
import { Sum, util } from "@tensorflow/tfjs-core";
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import type { KernelOverride } from "./registry.js";
import { gpuOf, type WebgpuProgram } from "./webgpu-program.js";

/** Adjacent columns per workgroup. */
const COLUMNS = 32;
/** Sets of rows per column, summed by as many threads (a power of two: the tree halves it). */
const ROW_GROUPS = 8;

function columnSums(columns: number): WebgpuProgram {
  return {
    variableNames: ["x"],
    outputShape: [columns],
    shaderKey: "unroll_column_sum",
    dispatchLayout: { x: [0] },
    dispatch: [Math.ceil(columns / COLUMNS), 1, 1],
    workgroupSize: [COLUMNS, ROW_GROUPS, 1],
    size: false, // barriers below: every thread of a workgroup reaches them
    uniforms: "rows : i32, columns : i32,",
    getUserCode: () => `
      var<workgroup> buf : array<f32, ${COLUMNS * ROW_GROUPS}>;
      fn main(index : i32) {
        let col = i32(workgroupId.x) * ${COLUMNS} + i32(localId.x);
        let part = i32(localId.y);
        let slot = part * ${COLUMNS} + i32(localId.x);
        let C = uniforms.columns;
        var s = 0.0;
        if (col < C) {
          for (var r = part; r < uniforms.rows; r += ${ROW_GROUPS}) { s += x[r * C + col]; }
        }
        buf[slot] = s;
        workgroupBarrier();
        for (var k = ${ROW_GROUPS / 2}; k > 0; k = k >> 1u) {
          if (part < k) { buf[slot] = buf[slot] + buf[slot + k * ${COLUMNS}]; }
          workgroupBarrier();
        }
        if (part == 0 && col < C) { result[col] = buf[slot]; }
      }`,
  };
}

/** The number of leading axes summed when `axes` are exactly 0 .. k - 1 (k < rank), else 0. */
function leadingAxes(axes: number[], rank: number): number {
  const sorted = [...axes].sort((a, b) => a - b);
  return sorted.every((a, i) => a === i) && sorted.length < rank ? sorted.length : 0;
}

const sum =
  (stock: KernelConfig | undefined): KernelFunc =>
  (args) => {
    const x = args.inputs["x"] as TensorInfo;
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const k = x.dtype === "float32" ? leadingAxes(util.parseAxisParam(axis, x.shape), x.shape.length) : 0;
    const rows = util.sizeFromShape(x.shape.slice(0, k));
    const columns = util.sizeFromShape(x.shape.slice(k));
    // one row of workgroups: WebGPU's guaranteed maxComputeWorkgroupsPerDimension is 65535
    if (k === 0 || columns < COLUMNS || rows < 2 || columns > COLUMNS * 65535) {
      if (!stock) throw new Error("webgpu has no stock Sum kernel");
      return stock.kernelFunc(args);
    }
    const out = gpuOf(args.backend).runWebGPUProgram(columnSums(columns), [{ ...x, shape: [rows * columns] }], "float32", [
      { type: "int32", data: [rows] },
      { type: "int32", data: [columns] },
    ]); // [C]
    const kept = keepDims ? x.shape.map((d, i) => (i < k ? 1 : d)) : x.shape.slice(k);
    return { ...out, shape: kept };
  };

export const webgpuColumnSumOverrides: readonly KernelOverride[] = [{ kernelName: Sum, build: sum }];
