// A node:test reporter that writes the counts in the shape of vitest's JSON report
// (numPassedTests, ...) into UNROLL_TEST_REPORT_DIR, so that CI's closing line (.ci/summary.mjs)
// counts this package's tests too (package.json runs it beside the spec reporter, which prints).
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export default async function* ciReport(source) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for await (const event of source) {
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    if (event.data.details?.type === "suite") continue;
    if (event.data.skip || event.data.todo) skipped++;
    else if (event.type === "test:pass") passed++;
    else failed++;
  }
  const dir = process.env.UNROLL_TEST_REPORT_DIR;
  if (!dir) return;
  const tag = process.env.UNROLL_TEST_REPORT_TAG;
  writeFileSync(
    join(dir, `native-blas${tag ? `-${tag}` : ""}.json`),
    JSON.stringify({ numPassedTests: passed, numFailedTests: failed, numPendingTests: skipped, numTodoTests: 0 }),
  );
  yield* [];
}
