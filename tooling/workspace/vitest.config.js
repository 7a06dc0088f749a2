import { unrollVitest } from "@unroll/vitest-config";

export default unrollVitest("workspace");
