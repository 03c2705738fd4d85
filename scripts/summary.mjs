// Reads the runners' JSON reports and computes the one closing line CI reads:
// `N passed, N failed, N skipped`. A missing report, or a runner that executed nothing, is a
// problem, so a run that tested nothing cannot look green.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * @param {string} dir where the reports are
 * @param {{ file: string, label: string, mayAllSkip?: boolean }[]} runs
 * @returns {{ line: string, problems: string[], totals: { passed: number, failed: number, skipped: number } }}
 */
export function summarize(dir, runs) {
  const totals = { passed: 0, failed: 0, skipped: 0 };
  const problems = [];
  for (const run of runs) {
    const path = join(dir, run.file);
    if (!existsSync(path)) {
      problems.push(`${run.label}: no report (${run.file}); the runner did not finish`);
      continue;
    }
    let report;
    try {
      report = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      problems.push(`${run.label}: unreadable report (${error.message})`);
      continue;
    }
    const passed = report.numPassedTests ?? 0;
    const failed = report.numFailedTests ?? 0;
    // A file that fails to load fails no test: count it as a problem of its own.
    if (report.success === false && failed === 0) problems.push(`${run.label}: a test file failed outside any test`);
    const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    totals.passed += passed;
    totals.failed += failed;
    totals.skipped += skipped;
    if (passed + failed + skipped === 0) problems.push(`${run.label}: the runner found no tests`);
    else if (passed + failed === 0 && !run.mayAllSkip) problems.push(`${run.label}: every test was skipped`);
    const skipReason = join(dir, `${run.file.replace(/\.json$/, '')}-skip.txt`);
    if (existsSync(skipReason)) process.stdout.write(`${run.label}: skipped: ${readFileSync(skipReason, 'utf8').trim()}\n`);
  }
  // Tests gated to other operating systems (tests/support/platform.ts), each reason once.
  const platformSkips = join(dir, 'platform-skip.txt');
  if (existsSync(platformSkips)) {
    const reasons = new Set(readFileSync(platformSkips, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== ''));
    for (const reason of [...reasons].sort()) process.stdout.write(`skipped ${reason}\n`);
  }
  return { line: `${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`, problems, totals };
}
