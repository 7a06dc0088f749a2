#!/usr/bin/env node
// The package ships TypeScript source: run the CLI through tsx.
import { register } from "tsx/esm/api";

register();
await import("../src/cli.ts");
