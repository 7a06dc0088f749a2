import config, { webBoundaries } from "@unroll/eslint-config";

const node = Object.fromEntries(
  ["process", "console", "Buffer", "URL", "fetch", "setTimeout", "clearTimeout", "setInterval", "clearInterval"].map((g) => [g, "readonly"]),
);

export default [
  ...config,
  ...webBoundaries,
  { ignores: ["next-env.d.ts", "test-results/**", "playwright-report/**", ".next/**"] },
  { files: ["scripts/**/*.mjs"], languageOptions: { globals: node } },
];
