import { unrollVitest } from "@unroll/vitest-config";

export default unrollVitest("eslint-config");
