/**
 * `npm run screenshots`: pictures of the product for the README's tour, taken from the real app.
 *
 * Starts the end-to-end test server (tests/e2e/test-server.ts: a throwaway embedded PostgreSQL,
 * a production build, the web server), fills it with the demo's question-and-answer pairs through
 * the API (an annotator rates a few, so the admin's numbers are not zero), and saves into
 * docs/screenshots/:
 *
 *   rating-light.png, rating-dark.png   the rating page, as an annotator sees it
 *   admin-overview.png                  a project's overview for the admin
 *   admin-overview-dark.png             the same in the dark theme
 *
 * 1280x800 at a device scale of 1 keeps each PNG small (the README embeds them); the script fails
 * if one grows past 250 KB.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { chromium, request as playwrightRequest, type APIRequestContext, type LaunchOptions } from '@playwright/test';
import { DEMO_PAIRS } from '../prisma/seed-data';
import type { E2EServerInfo } from '../tests/e2e/test-server';

const root = path.resolve(__dirname, '..');
const outputDir = path.join(root, 'docs/screenshots');
const MAX_BYTES = 250 * 1024;
const VIEWPORT = { width: 1280, height: 800 };

const GUIDELINES = `# Which answer is better?

Read the prompt, then both answers, and pick the one you would rather receive.

- **Correct** beats wrong, however confident the wrong one sounds.
- **Helpful** beats evasive: an answer should do what was asked.
- Choose **tie** when both are equally good, **both bad** when neither is acceptable.
`;

function launchOptions(): LaunchOptions {
  let bundled = '';
  try {
    bundled = chromium.executablePath();
  } catch {
    // No browser registry entry: use the system browser.
  }
  if (bundled && fs.existsSync(bundled)) return {};
  return { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] };
}

/** Starts tests/e2e/test-server.ts and waits for its E2E_READY line. */
async function startServer() {
  const child = spawn(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), path.join(root, 'tests/e2e/test-server.ts')], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const info = await new Promise<E2EServerInfo>((resolve, reject) => {
    let buffered = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const line = buffered.split('\n').find((l) => l.startsWith('E2E_READY '));
      if (line) resolve(JSON.parse(line.slice('E2E_READY '.length)) as E2EServerInfo);
    });
    child.once('exit', (code) => reject(new Error(`the server exited before it was ready (code ${code})`)));
  });
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
  };
  return { info, stop };
}

async function callMutation<T>(api: APIRequestContext, procedure: string, input: unknown): Promise<T> {
  const response = await api.post(`/api/trpc/${procedure}`, { data: { json: input } });
  const text = await response.text();
  if (!response.ok()) throw new Error(`${procedure} answered ${response.status()}: ${text}`);
  return (JSON.parse(text) as { result: { data: { json: T } } }).result.data.json;
}

async function signedInApi(baseUrl: string, email: string, password: string): Promise<APIRequestContext> {
  const api = await playwrightRequest.newContext({ baseURL: baseUrl, extraHTTPHeaders: { 'x-forwarded-for': `10.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}` } });
  const response = await api.post('/api/auth/sign-in/email', { data: { email, password }, headers: { origin: baseUrl } });
  if (!response.ok()) throw new Error(`sign-in as ${email} answered ${response.status()}`);
  return api;
}

/** The demo project, two annotators, and some answers: one annotator rates most pairs, prefers the better one nearly always. */
async function seed(info: E2EServerInfo) {
  const admin = await signedInApi(info.baseUrl, info.adminEmail, info.adminPassword);
  const annotators = [
    { email: 'ann1@feedloop.local', password: 'feedloop-ann1', name: 'Annotator One' },
    { email: 'ann2@feedloop.local', password: 'feedloop-ann2', name: 'Annotator Two' },
  ];
  for (const annotator of annotators) await callMutation(admin, 'users.create', { ...annotator, role: 'annotator' });
  const form = { questions: [{ id: 'preference', type: 'pairwise', label: 'Which answer is better?' }] };
  const project = await callMutation<{ id: number }>(admin, 'projects.create', { name: 'Demo: which answer is better?', guidelines: GUIDELINES, form, completionsPerTask: 2, overlap: 2 });
  const content = DEMO_PAIRS.map((pair, index) => JSON.stringify({ id: `demo-${index + 1}`, prompt: pair.prompt, completions: [pair.better, pair.worse] })).join('\n');
  await callMutation(admin, 'imports.commit', { projectId: project.id, fileName: 'demo.jsonl', content: `${content}\n` });
  await admin.dispose();

  // The second annotator answers all but a few pairs (so the rating page still has work for the first).
  const rater = await signedInApi(info.baseUrl, annotators[1].email, annotators[1].password);
  const betterTexts = new Set(DEMO_PAIRS.map((pair) => pair.better));
  for (let i = 0; i < DEMO_PAIRS.length - 2; i++) {
    const task = await callMutation<{ taskId: number; completions: { text: string }[] } | null>(rater, 'queue.next', { projectId: project.id });
    if (!task) break;
    const clientId = randomUUID();
    const timeSpentMs = 4_000 + ((i * 7919) % 20_000);
    if (i % 9 === 8) {
      await callMutation(rater, 'annotations.flag', { clientId, taskId: task.taskId, reason: 'The prompt is ambiguous', timeSpentMs });
      continue;
    }
    const betterIsA = betterTexts.has(task.completions[0]?.text ?? '');
    const choice = i % 7 === 6 ? 'tie' : betterIsA ? 'A' : 'B';
    await callMutation(rater, 'annotations.submit', { clientId, taskId: task.taskId, answer: { preference: { type: 'pairwise', choice } }, timeSpentMs });
  }
  await rater.dispose();
  return { projectId: project.id, annotator: annotators[0] };
}

async function main() {
  fs.mkdirSync(outputDir, { recursive: true });
  const server = await startServer();
  const browser = await chromium.launch(launchOptions());
  const saved: string[] = [];
  try {
    const { projectId, annotator } = await seed(server.info);

    for (const [role, email, password, pagePath, name, ready] of [
      ['annotator', annotator.email, annotator.password, `/annotate/${projectId}`, 'rating', 'task-prompt'],
      ['admin', server.info.adminEmail, server.info.adminPassword, `/admin/projects/${projectId}`, 'admin-overview', 'project-tab-overview'],
    ] as const) {
      for (const theme of ['light', 'dark'] as const) {
        const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1, colorScheme: theme, baseURL: server.info.baseUrl });
        const page = await context.newPage();
        await page.goto('/login');
        await page.getByTestId('login-email').fill(email);
        await page.getByTestId('login-password').fill(password);
        await page.getByTestId('login-submit').click();
        await page.waitForURL(role === 'admin' ? /\/admin$/ : /\/annotate$/);
        await page.goto(pagePath);
        await page.getByTestId(ready).waitFor();
        await page.waitForLoadState('networkidle', { timeout: 10_000 }).catch(() => {});
        // The rating page with a choice made, as it looks mid-task.
        if (role === 'annotator') await page.keyboard.press('a');
        const file = path.join(outputDir, role === 'admin' && theme === 'light' ? `${name}.png` : `${name}-${theme}.png`);
        await page.screenshot({ path: file, type: 'png', animations: 'disabled', caret: 'hide' });
        saved.push(file);
        await context.close();
      }
    }
  } finally {
    await browser.close();
    await server.stop();
  }

  let isTooBig = false;
  for (const file of saved) {
    const bytes = fs.statSync(file).size;
    isTooBig ||= bytes > MAX_BYTES;
    console.log(`${path.relative(root, file)}  ${(bytes / 1024).toFixed(0)} KB${bytes > MAX_BYTES ? '  (over 250 KB!)' : ''}`);
  }
  if (isTooBig) process.exit(1);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
