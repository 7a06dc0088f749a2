import { unrollVitest } from "@unroll/vitest-config";

export default unrollVitest("runner", { test: { fileParallelism: false } });
