#!/usr/bin/env node
// The `unroll` command. Workspace packages ship as TypeScript source, so load tsx's ESM hooks
// in this same process (signals reach the CLI directly), then run the CLI.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
