import { unrollVitest } from "@unroll/vitest-config";

export default unrollVitest("api", { test: { fileParallelism: false } });
