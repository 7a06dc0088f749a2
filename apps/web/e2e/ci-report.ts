// Writes the e2e counts in the shape of vitest's JSON report (numPassedTests, ...) so that CI's
// closing line (.ci/summary.mjs) counts the browser tests too. Only used with UNROLL_TEST_REPORT_DIR.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FullResult, Reporter, TestCase, TestResult } from "@playwright/test/reporter";

export default class CiReport implements Reporter {
  private passed = 0;
  private failed = 0;
  private skipped = 0;

  onTestEnd(_test: TestCase, result: TestResult): void {
    if (result.status === "passed") this.passed++;
    else if (result.status === "skipped") this.skipped++;
    else this.failed++;
  }

  onEnd(result: FullResult): void {
    const dir = process.env.UNROLL_TEST_REPORT_DIR;
    if (!dir) return;
    // A setup that failed before any test ran still counts as a failure.
    const failed = this.failed + (result.status !== "passed" && this.failed === 0 ? 1 : 0);
    const tag = process.env.UNROLL_TEST_REPORT_TAG;
    writeFileSync(
      join(dir, `web-e2e${tag ? `-${tag}` : ""}.json`),
      JSON.stringify({ numPassedTests: this.passed, numFailedTests: failed, numPendingTests: this.skipped, numTodoTests: 0 }),
    );
  }
}
