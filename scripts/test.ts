/**
 * `npm test`: the checks, then every test, and one closing line with the totals.
 *
 * 1. `tsc --noEmit -p tsconfig.json` (every folder: app, server, lib, trainer, tests, bench, scripts, prisma, cli)
 * 2. `biome check` (the lint rules in biome.json and the format check; nothing is written)
 * 3. unit and integration tests (Vitest, real PostgreSQL), then end-to-end (Playwright, real Chromium)
 *
 * A failed check counts as a failed test. With CI set, a skipped test fails the run too: a test
 * skipped on CI is a test that silently stopped running. Focused tests (`.only`) are refused by
 * the runners themselves (allowOnly: false in vitest.config.mts, forbidOnly in playwright.config.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const root = path.resolve(__dirname, '..');
const resultsDir = path.join(root, 'test-results');
fs.mkdirSync(resultsDir, { recursive: true });
const isCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0';

type Totals = { passed: number; failed: number; skipped: number; skippedNames: string[] };

function run(label: string, command: string, args: string[], env: Record<string, string> = {}): number {
  console.log(`\n=== ${label}: ${command} ${args.join(' ')}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status ?? 1;
}

type VitestReport = {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  numFailedTestSuites: number;
  testResults?: { name: string; assertionResults?: { fullName: string; status: string }[] }[];
};
function readVitest(file: string): Totals {
  if (!fs.existsSync(file)) return { passed: 0, failed: 1, skipped: 0, skippedNames: [] };
  const report = JSON.parse(fs.readFileSync(file, 'utf8')) as VitestReport;
  const skippedNames = (report.testResults ?? []).flatMap((suite) =>
    (suite.assertionResults ?? []).filter((test) => ['pending', 'skipped', 'todo'].includes(test.status)).map((test) => `${path.relative(root, suite.name)} › ${test.fullName}`),
  );
  return { passed: report.numPassedTests, failed: report.numFailedTests + report.numFailedTestSuites, skipped: report.numPendingTests + report.numTodoTests, skippedNames };
}

type PlaywrightSuite = { title: string; file?: string; specs?: { title: string; file?: string; tests: { status: string }[] }[]; suites?: PlaywrightSuite[] };
type PlaywrightReport = { stats: { expected: number; unexpected: number; flaky: number; skipped: number }; errors?: unknown[]; suites?: PlaywrightSuite[] };
function skippedPlaywrightTests(suites: PlaywrightSuite[] = []): string[] {
  return suites.flatMap((suite) => [
    ...(suite.specs ?? []).filter((spec) => spec.tests.some((test) => test.status === 'skipped')).map((spec) => `${spec.file ?? suite.file ?? suite.title} › ${spec.title}`),
    ...skippedPlaywrightTests(suite.suites),
  ]);
}
function readPlaywright(file: string): Totals {
  if (!fs.existsSync(file)) return { passed: 0, failed: 1, skipped: 0, skippedNames: [] };
  const report = JSON.parse(fs.readFileSync(file, 'utf8')) as PlaywrightReport;
  const { expected, unexpected, flaky, skipped } = report.stats;
  return { passed: expected + flaky, failed: unexpected + (report.errors?.length ?? 0), skipped, skippedNames: skippedPlaywrightTests(report.suites) };
}

const vitestJson = path.join(resultsDir, 'vitest.json');
const playwrightJson = path.join(resultsDir, 'playwright.json');
for (const f of [vitestJson, playwrightJson]) fs.rmSync(f, { force: true });

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const failedChecks: string[] = [];
if (run('typecheck', npx, ['tsc', '--noEmit', '-p', 'tsconfig.json']) !== 0) failedChecks.push('typecheck (tsc --noEmit -p tsconfig.json)');
if (run('lint and format', npx, ['biome', 'check', '--max-diagnostics=50']) !== 0) failedChecks.push('lint and format (biome check; `npx biome check --write <files>` fixes most)');

const vitestCode = run('unit + integration', npx, ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${vitestJson}`]);
const playwrightCode = run('end-to-end', npx, ['playwright', 'test', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson });

const totals = [readVitest(vitestJson), readPlaywright(playwrightJson)].reduce((a, b) => ({
  passed: a.passed + b.passed,
  failed: a.failed + b.failed,
  skipped: a.skipped + b.skipped,
  skippedNames: [...a.skippedNames, ...b.skippedNames],
}));
let failed = vitestCode !== 0 || playwrightCode !== 0 ? Math.max(totals.failed, 1) : totals.failed;
failed += failedChecks.length;
for (const check of failedChecks) console.log(`\nFAILED: ${check}`);
if (isCi && totals.skipped > 0) {
  // Each skipped test counts as a failure on CI.
  failed += totals.skipped;
  console.log(`\nFAILED: ${totals.skipped} skipped test(s) on CI (CI=${process.env.CI}); a skipped test does not run anywhere:`);
  for (const name of totals.skippedNames.length > 0 ? totals.skippedNames : ['(names not in the reports)']) console.log(`  - ${name}`);
}
console.log(`\nTests: ${totals.passed} passed, ${failed} failed, ${totals.skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
