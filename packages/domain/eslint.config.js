import config, { domainBoundaries } from "@unroll/eslint-config";

export default [...config, ...domainBoundaries];
