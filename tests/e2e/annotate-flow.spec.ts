/**
 * The end-to-end story: an admin sets up a pairwise project through the admin UI; an
 * annotator rates with the keyboard only, undoes, re-rates and flags; the database then holds
 * exactly that. One of the imported completions carries HTML that must show as text and run
 * nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { test, expect, signIn } from './fixtures';

const XSS_IMG = '<img src=x onerror=alert(1)>';
const XSS_SCRIPT = '<script>window.__xss=1</script>';

const PROMPTS = ['Prompt one: greet the user.', 'Prompt two: what is 2 + 2?', 'Prompt three: name a colour.', 'Prompt four: a haiku about tests.'];
const IMPORT_LINES = [
  { prompt: PROMPTS[0], completions: [`Hello! ${XSS_IMG} Nice to meet you.`, `${XSS_SCRIPT}\n\nHi there, how can I help?`] },
  { prompt: PROMPTS[1], completions: ['4', '**Four**, written `4`.'] },
  { prompt: PROMPTS[2], completions: ['Blue', 'Red'] },
  { prompt: PROMPTS[3], completions: ['Green bars at dawn / the suite hums softly / no flakes today', '```js\nexpect(ok).toBe(true);\n```'] },
];

const suffix = randomBytes(3).toString('hex');
const annotator = { email: `annotator-${suffix}@example.test`, name: 'Ada Annotator', password: 'annotator password 1' };
const projectName = `E2E pairs ${suffix}`;
let projectId = 0;

test.describe.configure({ mode: 'serial' });

test('[ADMIN] signs in, creates an annotator and a pairwise project, imports a file', async ({ page, e2e }) => {
  await signIn(page, e2e.adminEmail, e2e.adminPassword, /\/admin$/);

  await page.getByTestId('nav-users').click();
  await page.getByTestId('user-create-email').fill(annotator.email);
  await page.getByTestId('user-create-name').fill(annotator.name);
  await page.getByTestId('user-create-password').fill(annotator.password);
  await page.getByTestId('user-create-role').selectOption('annotator');
  await page.getByTestId('user-create-submit').click();
  await expect(page.getByTestId(`user-row-${annotator.email}`)).toBeVisible();

  await page.getByTestId('nav-projects').click();
  await page.getByTestId('new-project-button').click();
  await page.getByTestId('project-name').fill(projectName);
  await page.getByTestId('project-guidelines').fill('# How to judge\n\nPrefer the **more helpful** answer. Flag anything unreadable.');
  await page.getByTestId('project-preset').selectOption('pairwise');
  await page.getByTestId('project-overlap').fill('1');
  await page.getByTestId('project-completions-per-task').fill('2');
  await page.getByTestId('project-create-submit').click();
  await expect(page).toHaveURL(/\/admin\/projects\/\d+/);
  projectId = Number(/\/admin\/projects\/(\d+)/.exec(page.url())?.[1]);
  expect(projectId).toBeGreaterThan(0);

  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'feedloop-e2e-')), 'pairs.jsonl');
  fs.writeFileSync(file, IMPORT_LINES.map((line) => JSON.stringify(line)).join('\n') + '\n');
  await page.getByTestId('project-tab-import').click();
  await page.getByTestId('import-file').setInputFiles(file);
  await expect(page.getByTestId('import-preview')).toBeVisible();
  await expect(page.getByTestId('import-preview-tasks')).toHaveText('4');
  await page.getByTestId('import-commit').click();
  await expect(page.getByTestId('import-result-tasks')).toHaveText('4');

  await page.getByTestId('nav-signout').click();
  await expect(page).toHaveURL(/\/login/);
});

test('[ANNOTATOR] rates three tasks with the keyboard, undoes one, flags one; HTML shows as text', async ({ page, database }) => {
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });

  await signIn(page, annotator.email, annotator.password, /\/annotate$/);
  await page.getByTestId(`project-card-${projectId}`).click();
  await expect(page).toHaveURL(new RegExp(`/annotate/${projectId}$`));
  await expect(page.getByTestId('guidelines-panel')).toContainText('more helpful');
  await page.keyboard.press('?');
  await expect(page.getByTestId('shortcuts-help')).toBeVisible();
  await page.keyboard.press('?');
  await expect(page.getByTestId('shortcuts-help')).toBeHidden();

  const prompt = page.getByTestId('task-prompt');
  const choiceButton = (choice: string) => page.getByTestId(`pairwise-preference-${choice}`);
  /** The prompt on screen, once it differs from the one before (the next task is shown). */
  async function waitForNextPrompt(previous: string | null): Promise<string> {
    await expect(prompt).toBeVisible();
    if (previous) await expect(prompt).not.toHaveText(previous);
    const text = (await prompt.innerText()).replace(/^Prompt\s*/i, '').trim();
    const match = PROMPTS.find((p) => text.includes(p));
    expect(match, `unexpected prompt: ${text}`).toBeTruthy();
    return match ?? '';
  }
  let sawHtmlTask = false;
  async function checkHtmlShownAsText(current: string) {
    if (current !== PROMPTS[0]) return;
    sawHtmlTask = true;
    const completions = [page.getByTestId('completion-0'), page.getByTestId('completion-1')];
    const texts = await Promise.all(completions.map((c) => c.innerText()));
    const imgIndex = texts.findIndex((t) => t.includes(XSS_IMG));
    expect(imgIndex, 'the <img> completion shows its HTML literally').toBeGreaterThanOrEqual(0);
    const scriptIndex = 1 - imgIndex;
    await expect(completions[imgIndex]).toContainText(XSS_IMG);
    await expect(completions[imgIndex].locator('img')).toHaveCount(0);
    await expect(completions[scriptIndex]).toContainText(XSS_SCRIPT);
    await expect(completions[scriptIndex].locator('script')).toHaveCount(0);
  }

  // Rate three tasks: A, B, A (keyboard only).
  const rated = new Map<string, 'A' | 'B'>();
  let current: string | null = null;
  for (const choice of ['A', 'B', 'A'] as const) {
    current = await waitForNextPrompt(current);
    await checkHtmlShownAsText(current);
    await page.keyboard.press(choice === 'A' ? 'a' : 'b');
    await expect(choiceButton(choice)).toHaveAttribute('aria-pressed', 'true');
    await page.keyboard.press('Enter');
    rated.set(current, choice);
  }
  const thirdPrompt = current ?? '';

  // Undo the third: it comes back with its answer (A) prefilled; re-rate it B.
  const nextAfterThird = await waitForNextPrompt(thirdPrompt);
  await expect(page.getByTestId('undo-button')).toBeEnabled();
  await page.keyboard.press('u');
  await expect(prompt).toContainText(thirdPrompt);
  await expect(choiceButton('A')).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('b');
  await expect(choiceButton('B')).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('Enter');
  rated.set(thirdPrompt, 'B');

  // Flag the fourth with a reason.
  await expect(prompt).toContainText(nextAfterThird);
  await checkHtmlShownAsText(nextAfterThird);
  await page.keyboard.press('f');
  await expect(page.getByTestId('flag-dialog')).toBeVisible();
  await expect(page.getByTestId('flag-reason')).toBeFocused();
  await page.keyboard.type('The prompt is ambiguous');
  await page.keyboard.press('Enter');

  await expect(page.getByTestId('empty-queue')).toBeVisible();
  await expect(page.getByTestId('progress-done-today')).toHaveText('3');
  await expect(page.getByTestId('progress-remaining')).toHaveText('0');
  expect(sawHtmlTask).toBe(true);
  expect(dialogs).toEqual([]);
  expect(await page.evaluate(() => Reflect.get(window, '__xss'))).toBeUndefined();

  // The database holds exactly what was done.
  const readAnnotations = async () =>
    (
      await database.query<{ status: string; answer: { preference?: { choice: string } } | null; flagReason: string | null; timeSpentMs: number; prompt: string; email: string }>(
        `SELECT a.status, a.answer, a."flagReason", a."timeSpentMs", p.text AS prompt, u.email
           FROM "Annotation" a JOIN "Task" t ON t.id = a."taskId" JOIN "Prompt" p ON p.id = t."promptId" JOIN "user" u ON u.id = a."userId"
          WHERE a."projectId" = $1 ORDER BY p.text`,
        [projectId],
      )
    ).rows;
  await expect.poll(async () => (await readAnnotations()).length).toBe(4);
  const rows = await readAnnotations();
  const submitted = rows.filter((r) => r.status === 'SUBMITTED');
  const flagged = rows.filter((r) => r.status === 'FLAGGED');
  expect(submitted).toHaveLength(3);
  expect(flagged).toHaveLength(1);
  expect(Object.fromEntries(submitted.map((r) => [r.prompt, r.answer?.preference?.choice]))).toEqual(Object.fromEntries(rated));
  expect(flagged[0]).toMatchObject({ prompt: nextAfterThird, flagReason: 'The prompt is ambiguous' });
  for (const row of rows) {
    expect(row.email).toBe(annotator.email);
    expect(row.timeSpentMs).toBeGreaterThan(0);
  }
  const tasks = await database.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM "Task" WHERE "projectId" = $1 GROUP BY status ORDER BY status`, [projectId]);
  expect(tasks.rows).toEqual([
    { status: 'DONE', n: 3 },
    { status: 'FLAGGED', n: 1 },
  ]);
});
