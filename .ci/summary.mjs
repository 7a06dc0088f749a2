// Sums the vitest JSON reports every package wrote into one closing line: "N passed, N failed".
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2];
let passed = 0,
  failed = 0,
  skipped = 0;
const files = readdirSync(dir).filter((f) => f.endsWith(".json"));
for (const f of files) {
  const r = JSON.parse(readFileSync(join(dir, f), "utf8"));
  passed += r.numPassedTests ?? 0;
  failed += r.numFailedTests ?? 0;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  console.log(`${f}: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
}
if (files.length === 0 || passed === 0) {
  console.log("0 passed, 1 failed: no test reports were written");
  process.exit(1);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
