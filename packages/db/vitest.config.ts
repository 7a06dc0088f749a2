import { unrollVitest } from "@unroll/vitest-config";

export default unrollVitest("db", {
  // Each file starts its own PGlite (Wasm, ~100-200 MB): two files at a time on 2 cores.
  test: { maxWorkers: 2 },
});
