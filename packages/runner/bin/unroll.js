#!/usr/bin/env node
// The `unroll` command. Workspace packages ship as TypeScript source, so load tsx's ESM hooks
// in this same process (signals reach the CLI directly), then run the CLI and exit with its code.
// Their package.json exports name that source under the "@unroll/source" condition (`default` is
// built JS, for plain Node): a resolve hook asks for it, as `node --conditions=@unroll/source` would.
import { register as registerHooks } from "node:module";
import { register } from "tsx/esm/api";

registerHooks(
  "data:text/javascript,export const resolve = (specifier, context, next) => next(specifier, { ...context, conditions: ['@unroll/source', ...context.conditions] });",
);
register();
const { main } = await import("../src/cli/main.ts");
process.exit(await main(process.argv.slice(2)));
