import config from "@unroll/eslint-config";

export default [...config, { ignores: ["next-env.d.ts", "test-results/**", "playwright-report/**"] }];
