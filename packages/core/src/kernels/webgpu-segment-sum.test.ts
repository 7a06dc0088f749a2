// The WGSL UnsortedSegmentSum (webgpu-segment-sum.ts, the embedding gradient) on the software
// adapter against the stock cpu backend: repeated ids, ids outside [0, V), shapes that are no
// multiple of the workgroup, ids of rank 2, int32 values; the same bits on every call; no leaks;
// two dispatches against the stock kernel's four; dE through embeddingLookup. Skipped, saying
// why, where that adapter does not start, except in CI (CI=true).
import * as tf from "@tensorflow/tfjs-core";
import { UnsortedSegmentSum } from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { embeddingLookup } from "../ops/embedding.js";
import { installKernels, uninstallKernels } from "./registry.js";
import { expectClose, seeded, seededInts } from "./testing.js";
import { failInCiUnlessStarted, liveCounts, recordPrograms, startSoftware, use, type Backend } from "./webgpu-testing.js";
import { webgpuSegmentSumOverrides } from "./webgpu-segment-sum.js";

const reason = await startSoftware();
const SKIP = reason !== "";
failInCiUnlessStarted(reason);

interface Case {
  name: string;
  xShape: number[];
  ids: number[];
  idsShape: number[];
  V: number;
  dtype: "float32" | "int32";
}

const CASES: Case[] = [
  { name: "repeated ids, x [7, 5], V 4", xShape: [7, 5], ids: [1, 3, 1, 1, 0, 3, 1], idsShape: [7], V: 4, dtype: "float32" },
  // ids from -2 to V + 2: the ones outside [0, V) are dropped; 130 rows, 67 segments: no multiple of 64
  { name: "ids outside [0, V), x [130, 3], V 67", xShape: [130, 3], ids: seededInts(130, 72, 4).map((i) => i - 2), idsShape: [130], V: 67, dtype: "float32" },
  {
    name: "ids V, -1 and 2V + 1 before the rows of 0 and 1, x [7, 3], V 4",
    xShape: [7, 3],
    ids: [4, -1, 9, 0, 1, 0, 4],
    idsShape: [7],
    V: 4,
    dtype: "float32",
  },
  { name: "x [12, 2, 3] (inner [2, 3]), V 9 (segments no row names)", xShape: [12, 2, 3], ids: seededInts(12, 5, 2), idsShape: [12], V: 9, dtype: "float32" },
  { name: "rank-1 x [65], V 10", xShape: [65], ids: seededInts(65, 10, 6), idsShape: [65], V: 10, dtype: "float32" },
  { name: "int32 x [6, 2], V 3", xShape: [6, 2], ids: [2, 0, 2, 5, 2, -1], idsShape: [6], V: 3, dtype: "int32" },
];

/** x and ids (typed [n] as tfjs types them). */
function inputs({ xShape, ids, idsShape, dtype }: Case): [tf.Tensor, tf.Tensor1D] {
  const n = tf.util.sizeFromShape(xShape);
  const values = dtype === "int32" ? seededInts(n, 100, 5).map((v) => v - 50) : seeded(n, 5);
  return [tf.tensor(values, xShape, dtype), tf.tensor(ids, idsShape, "int32") as unknown as tf.Tensor1D];
}

async function segmentSum(backend: Backend, c: Case): Promise<{ shape: number[]; values: number[] }> {
  await use(backend);
  const [x, ids] = inputs(c);
  const out = tf.unsortedSegmentSum(x, ids, c.V);
  const result = { shape: out.shape, values: Array.from(await out.data()) };
  tf.dispose([x, ids, out]);
  return result;
}

describe.skipIf(SKIP)(`the WGSL UnsortedSegmentSum on the software adapter${SKIP ? ` (skipped: ${reason})` : ""}`, () => {
  it.each(CASES)("$name: cpu's sums, the same bits on every call", async (c) => {
    const cpu = await segmentSum("cpu", c);
    const gpu = await segmentSum("webgpu", c);
    expect(gpu.shape).toEqual(cpu.shape);
    expectClose(gpu.values, cpu.values, 1e-6);
    expect((await segmentSum("webgpu", c)).values).toEqual(gpu.values); // no atomics: a fixed order
  });

  it("leaks nothing: tensors and GPU buffers are flat across calls", async () => {
    await use("webgpu");
    const [x, ids] = inputs(CASES[1]!);
    tf.unsortedSegmentSum(x, ids, 67).dispose();
    const before = liveCounts();
    tf.unsortedSegmentSum(x, ids, 67).dispose();
    expect(liveCounts()).toEqual(before);
    tf.dispose([x, ids]);
  });

  it("takes two dispatches, against the stock kernel's four (which also folds an id >= V into id % V)", async () => {
    const c = CASES[1]!;
    // initBackend installs our kernels again: the stock one is counted without switching backends
    const count = async () => {
      const [x, ids] = inputs(c);
      tf.unsortedSegmentSum(x, ids, c.V).dispose(); // compiled first
      const { dispatches, programs } = await recordPrograms(() => tf.unsortedSegmentSum(x, ids, c.V).dispose());
      const out = tf.unsortedSegmentSum(x, ids, c.V);
      const values = Array.from(await out.data());
      tf.dispose([x, ids, out]);
      return { dispatches, programs, values };
    };
    const cpu = await segmentSum("cpu", c);
    await use("webgpu");
    const ours = await count();
    uninstallKernels("webgpu", [UnsortedSegmentSum]);
    try {
      const stock = await count();
      const wrong = stock.values.filter((v, i) => Math.abs(v - cpu.values[i]!) > 1e-5).length;
      console.log(
        `UnsortedSegmentSum [130, 3] -> [67, 3]: ${ours.dispatches} dispatches (${ours.programs.join(", ")}) against stock ${stock.dispatches} (${stock.programs.join(", ")}); stock: ${wrong} of ${cpu.values.length} sums differ from cpu`,
      );
      expect(ours.dispatches).toBe(2);
      expect(stock.dispatches).toBe(4);
      expect(ours.programs.some((k) => k.includes("transpose"))).toBe(false);
    } finally {
      installKernels("webgpu", webgpuSegmentSumOverrides);
    }
  });

  it("dE through embeddingLookup (repeated ids) is cpu's, by our kernel", async () => {
    const grad = async (backend: Backend) => {
      await use(backend);
      const table = tf.variable(tf.tensor2d(seeded(23 * 6, 1), [23, 6]));
      const ids = tf.tensor2d([3, 7, 3, 3, 0, 22, 7, 1, 3, 22], [2, 5], "int32");
      const w = tf.tensor3d(seeded(2 * 5 * 6, 2), [2, 5, 6]);
      const f = () => tf.tidy(() => tf.sum(tf.mul(embeddingLookup(table, ids), w)) as tf.Scalar);
      const { kernelNames } = await tf.profile(() => tf.variableGrads(f, [table]));
      const { grads } = tf.variableGrads(f, [table]);
      const out = { dE: Array.from(await grads[table.name]!.data()), kernelNames };
      tf.dispose([table, ids, w, grads]);
      return out;
    };
    const cpu = await grad("cpu");
    const gpu = await grad("webgpu");
    expect(gpu.kernelNames).toContain(UnsortedSegmentSum);
    expectClose(gpu.dE, cpu.dE, 1e-6);
  });
});
