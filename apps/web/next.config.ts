import type { NextConfig } from "next";

// Built with webpack (`next build --webpack`): the workspace packages ship TypeScript source
// whose relative imports are written the Node ESM way (`./client.js` for client.ts). Webpack maps
// them with resolve.extensionAlias; Turbopack cannot yet (vercel/next.js#82945).
interface WebpackConfig {
  resolve: { extensionAlias?: Record<string, string[]>; conditionNames?: string[] };
  module: { parser?: { javascript?: Record<string, unknown> } };
}

const config: NextConfig = {
  transpilePackages: ["@unroll/api", "@unroll/core", "@unroll/db", "@unroll/domain"],
  // Database drivers, Prisma's runtime and TensorFlow.js load native/wasm files from their own
  // folders at run time, so they stay outside the bundle.
  serverExternalPackages: [
    "pg",
    "@prisma/adapter-pg",
    "@prisma/client",
    "@electric-sql/pglite",
    "@tensorflow/tfjs",
    "@tensorflow/tfjs-core",
    "@tensorflow/tfjs-backend-cpu",
    "@tensorflow/tfjs-backend-wasm",
    "@tensorflow/tfjs-node",
    "@tensorflow/tfjs-node-gpu",
    "@tensorflow/tfjs-backend-webgpu",
    "webgpu",
  ],
  webpack: (webpackConfig: WebpackConfig) => {
    webpackConfig.resolve.extensionAlias = { ".js": [".ts", ".tsx", ".js"], ".mjs": [".mts", ".mjs"] };
    // ...and name that source under the "@unroll/source" export condition (their `default` is
    // built JS, for plain Node); "..." keeps webpack's own conditions after it.
    webpackConfig.resolve.conditionNames = ["@unroll/source", ...(webpackConfig.resolve.conditionNames ?? ["..."])];
    // `new URL("../../data", import.meta.url)` in core and db names folders on disk, not assets to
    // bundle, and `createRequire(import.meta.url)` must stay Node's (it resolves tfjs's wasm files):
    // leave both to run time (import.meta.url is the source file's URL in server bundles).
    const parser = (webpackConfig.module.parser ??= {});
    parser.javascript = { ...parser.javascript, url: false, createRequire: false };
    return webpackConfig;
  },
  // `pnpm typecheck` and `pnpm lint` check the code; the build only compiles (2 cores: it saves time).
  typescript: { ignoreBuildErrors: true },
  poweredByHeader: false,
  devIndicators: false,
  reactStrictMode: true,
};

export default config;
