// One closing line for the whole run, 'N passed, N failed', over the Python and vitest suites.
import { existsSync, readFileSync } from 'node:fs';

const [pythonLog, ...vitestReports] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;

if (pythonLog && existsSync(pythonLog)) {
  const log = readFileSync(pythonLog, 'utf8');
  const ran = Number(/^Ran (\d+) tests?/m.exec(log)?.[1] ?? 0);
  const bad = /^FAILED \((.*)\)$/m.exec(log)?.[1] ?? '';
  const count = (kind) => Number(new RegExp(`${kind}=(\\d+)`).exec(bad)?.[1] ?? 0);
  const pySkipped = Number(/skipped=(\d+)/.exec(log)?.[1] ?? 0);
  const pyFailed = count('failures') + count('errors');
  failed += pyFailed;
  skipped += pySkipped;
  passed += ran - pyFailed - pySkipped;
} else {
  failed += 1; // the Python suite did not even report
}
for (const file of vitestReports) {
  if (!existsSync(file)) {
    failed += 1; // this vitest project did not even report
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests;
  // A file that failed to load counts as a failure even though no test in it ran.
  failed += report.numFailedTests + (!report.success && report.numFailedTests === 0 ? 1 : 0);
  skipped += report.numPendingTests + report.numTodoTests;
}
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
