// Runs every check and suite the way CI does and ends with one line: `N passed, N failed`.
// Type checks and lint count as one check each; Vitest and Playwright count their tests.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { prerequisitesMessage } from './prerequisites.mjs';

const resultsDir = 'test-results';
const vitestReport = `${resultsDir}/vitest-report.json`;
const playwrightReport = `${resultsDir}/e2e-report.json`;

function run(label, command, args) {
  process.stdout.write(`\n=== ${label}: ${command} ${args.join(' ')}\n`);
  const started = Date.now();
  const { status, error } = spawnSync(command, args, { stdio: 'inherit', env: process.env });
  if (error) process.stderr.write(`${label} could not start: ${error.message}\n`);
  process.stdout.write(
    `=== ${label} finished in ${((Date.now() - started) / 1000).toFixed(1)} s (exit ${status})\n`,
  );
  return status === 0;
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

const tally = { passed: 0, failed: 0, skipped: 0 };
const lines = [];
function count(label, passed, failed, skipped = 0) {
  tally.passed += passed;
  tally.failed += failed;
  tally.skipped += skipped;
  lines.push(
    `${label.padEnd(12)} ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`,
  );
}

// Stop at once, before any suite, when the machine lacks what the suites need (as root with apt,
// the Debian packages are installed instead).
const notReady = prerequisitesMessage(['test'], { install: true });
if (notReady) {
  process.stderr.write(`\nnpm test cannot run on this machine yet.\n${notReady}\n`);
  process.exit(1);
}

rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });

for (const [label, script] of [
  ['typecheck', 'typecheck'],
  ['lint', 'lint'],
]) {
  const ok = run(label, 'npm', ['run', '--silent', script]);
  count(label, ok ? 1 : 0, ok ? 0 : 1);
}

const built = run('build', 'npm', ['run', '--silent', 'build']);
count('build', built ? 1 : 0, built ? 0 : 1);

run('vitest', 'npx', [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${vitestReport}`,
]);
const vitest = readJson(vitestReport);
if (vitest)
  count('vitest', vitest.numPassedTests, vitest.numFailedTests, vitest.numPendingTests + vitest.numTodoTests);
else count('vitest', 0, 1);
if (vitest && vitest.numFailedTestSuites > 0 && vitest.numFailedTests === 0)
  count('vitest files', 0, vitest.numFailedTestSuites);

if (built) run('playwright', 'npx', ['playwright', 'test']);
const playwright = existsSync(playwrightReport) ? readJson(playwrightReport) : undefined;
if (playwright?.stats) {
  const { expected, unexpected, flaky, skipped } = playwright.stats;
  count('playwright', expected + flaky, unexpected, skipped);
  if ((playwright.errors ?? []).length > 0) count('playwright', 0, playwright.errors.length);
} else {
  count('playwright', 0, 1);
}

process.stdout.write(`\n${lines.join('\n')}\n`);
process.stdout.write(
  `${tally.passed} passed, ${tally.failed} failed${tally.skipped ? `, ${tally.skipped} skipped` : ''}\n`,
);
process.exit(tally.failed === 0 ? 0 : 1);
