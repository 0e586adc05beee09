/**
 * `npm test`: every test — unit and integration (Vitest, real PostgreSQL) then end-to-end
 * (Playwright, real Chromium) — and one closing line with the totals.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const root = path.resolve(__dirname, '..');
const resultsDir = path.join(root, 'test-results');
fs.mkdirSync(resultsDir, { recursive: true });

type Totals = { passed: number; failed: number; skipped: number };

function run(label: string, command: string, args: string[], env: Record<string, string> = {}): number {
  console.log(`\n=== ${label}: ${command} ${args.join(' ')}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status ?? 1;
}

function readVitest(file: string): Totals {
  if (!fs.existsSync(file)) return { passed: 0, failed: 1, skipped: 0 };
  const report = JSON.parse(fs.readFileSync(file, 'utf8')) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number; numFailedTestSuites: number };
  return { passed: report.numPassedTests, failed: report.numFailedTests + report.numFailedTestSuites, skipped: report.numPendingTests + report.numTodoTests };
}

type PlaywrightStats = { stats: { expected: number; unexpected: number; flaky: number; skipped: number }; errors?: unknown[] };
function readPlaywright(file: string): Totals {
  if (!fs.existsSync(file)) return { passed: 0, failed: 1, skipped: 0 };
  const report = JSON.parse(fs.readFileSync(file, 'utf8')) as PlaywrightStats;
  const { expected, unexpected, flaky, skipped } = report.stats;
  return { passed: expected + flaky, failed: unexpected + (report.errors?.length ?? 0), skipped };
}

const vitestJson = path.join(resultsDir, 'vitest.json');
const playwrightJson = path.join(resultsDir, 'playwright.json');
for (const f of [vitestJson, playwrightJson]) fs.rmSync(f, { force: true });

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const vitestCode = run('unit + integration', npx, ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${vitestJson}`]);
const playwrightCode = run('end-to-end', npx, ['playwright', 'test', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson });

const totals = [readVitest(vitestJson), readPlaywright(playwrightJson)].reduce((a, b) => ({ passed: a.passed + b.passed, failed: a.failed + b.failed, skipped: a.skipped + b.skipped }));
const failed = vitestCode !== 0 || playwrightCode !== 0 ? Math.max(totals.failed, 1) : totals.failed;
console.log(`\nTests: ${totals.passed} passed, ${failed} failed, ${totals.skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
