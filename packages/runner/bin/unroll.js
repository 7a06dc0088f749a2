#!/usr/bin/env node
// The `unroll` command. Workspace packages ship as TypeScript source, so load tsx's ESM hooks
// in this same process (signals reach the CLI directly), then run the CLI and exit with its code.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
process.exit(await main(process.argv.slice(2)));
