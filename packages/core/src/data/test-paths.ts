// Paths the data tests share: the fixtures shipped in the repo and the real corpora when present.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultDataDir } from "./data-dir.js";

/** A file in packages/core/test-fixtures. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../../test-fixtures/${name}`, import.meta.url));
}

/** The real data directory found from here (no environment override), if any. */
export const REAL_DATA_DIR = defaultDataDir({ env: {} });

/** A file of the real corpora, or undefined when this machine does not have it. */
export function realFile(...parts: string[]): string | undefined {
  if (!REAL_DATA_DIR) return undefined;
  const path = join(REAL_DATA_DIR, ...parts);
  return existsSync(path) ? path : undefined;
}
