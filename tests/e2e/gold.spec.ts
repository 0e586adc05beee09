/**
 * Gold tasks in the browser: an annotator who answers a check task wrongly is paused, and the
 * rating page then shows a paused panel (why, what happens next, a way back; no rating controls,
 * no rating keys, and nothing that says which task was the check), not an empty queue or an error
 * with a Retry. The admin sees gold accuracy on the project's Gold tab and resumes them, after
 * which "Check again" brings the tasks back.
 */
import { randomBytes } from 'node:crypto';
import { test, expect, signIn, signInByApi, callMutation } from './fixtures';

const suffix = randomBytes(3).toString('hex');
const annotator = { email: `paused-${suffix}@example.test`, password: 'annotator password 1', name: `Paul Paused ${suffix}` };
const PROMPTS = ['one', 'two', 'three', 'four'].map((n) => `Gold question ${n} ${suffix}`);
let projectId = 0;

test.beforeAll(async ({ playwright }) => {
  const e2e = { baseUrl: process.env.E2E_BASE_URL ?? '', adminEmail: process.env.E2E_ADMIN_EMAIL ?? '', adminPassword: process.env.E2E_ADMIN_PASSWORD ?? '', signInLimit: 10 };
  const admin = await playwright.request.newContext({ baseURL: e2e.baseUrl, extraHTTPHeaders: { 'x-forwarded-for': `10.7.${randomBytes(1)[0]}.1` } });
  await signInByApi(admin, e2e, e2e.adminEmail, e2e.adminPassword);
  await callMutation(admin, 'users.create', { email: annotator.email, password: annotator.password, name: annotator.name, role: 'annotator' });
  const form = { questions: [{ id: 'preference', type: 'pairwise', label: 'Which is better?' }] };
  projectId = (await callMutation<{ id: number }>(admin, 'projects.create', { name: `Gold ${suffix}`, form, completionsPerTask: 2, overlap: 1 })).id;
  const lines = PROMPTS.map((prompt, i) => JSON.stringify({ prompt, completions: [`Answer ${i + 1} first`, `Answer ${i + 1} second`] }));
  await callMutation(admin, 'imports.commit', { projectId, fileName: 'gold.jsonl', content: lines.join('\n') });
  // One wrong check answer is enough to fall below 75%; checks come as often as the project allows.
  await callMutation(admin, 'gold.updateSettings', { projectId, mixRate: 0.5, accuracyThreshold: 0.75, minGoldAnswers: 1 });
  await admin.dispose();
});

test('[ANNOTATOR] a wrong check answer pauses them: the rating page shows why and what comes next, and takes no rating; [ADMIN] resumes them', async ({
  page,
  database,
  browser,
  e2e,
  clientAddress,
}) => {
  const admin = await browser.newContext({ baseURL: e2e.baseUrl, extraHTTPHeaders: { 'x-forwarded-for': clientAddress } });
  const adminPage = await admin.newPage();
  await signIn(adminPage, e2e.adminEmail, e2e.adminPassword, /\/admin$/);
  const { rows } = await database.query<{ id: number }>(`SELECT id FROM "Task" WHERE "projectId" = $1 ORDER BY id LIMIT 1`, [projectId]);
  const goldTaskId = rows[0].id;
  await adminPage.goto(`/admin/projects/${projectId}?tab=gold`);
  await adminPage.getByTestId('gold-task-id').fill(String(goldTaskId));
  await adminPage.getByTestId('gold-expected').fill('{"preference": {"type": "pairwise", "choice": "A"}}');
  await adminPage.getByTestId('gold-add-submit').click();
  await expect(adminPage.getByTestId(`gold-task-${goldTaskId}`)).toBeVisible();

  // The annotator picks B on every task, as fast as the keyboard allows, until the queue stops them:
  // the check task (expected A) is one of them, and its answer brings the pause.
  await signIn(page, annotator.email, annotator.password, /\/annotate$/);
  await page.goto(`/annotate/${projectId}`);
  const panel = page.getByTestId('paused-panel');
  const prompt = page.getByTestId('task-prompt');
  for (let answered = 0; answered < PROMPTS.length; answered++) {
    await expect(prompt).toBeVisible();
    const shown = (await prompt.textContent()) ?? '';
    await page.keyboard.press('b');
    await expect(page.getByTestId('pairwise-preference-B')).toHaveAttribute('aria-pressed', 'true');
    const submitted = page.waitForResponse((response) => response.url().includes('/api/trpc/annotations.submit'));
    await page.keyboard.press('Enter');
    // 409: the answer was stored, and the queue refused the next task (paused).
    if ((await submitted).status() === 409) break;
    await expect(prompt).not.toHaveText(shown);
  }
  await expect(panel).toBeVisible();

  // The check answer was stored (B, wrong) and the database paused them after it: 1 answered, 0 correct.
  const user = await database.query<{ id: string }>(`SELECT id FROM "user" WHERE email = $1`, [annotator.email]);
  const userId = user.rows[0].id;
  const goldAnswer = await database.query<{ answer: unknown }>(`SELECT answer FROM "Annotation" WHERE "userId" = $1 AND "taskId" = $2`, [userId, goldTaskId]);
  expect(goldAnswer.rows).toEqual([{ answer: { preference: { type: 'pairwise', choice: 'B' } } }]);
  const pauses = await database.query(`SELECT "goldAnswered", "goldCorrect", "clearedAt" FROM "AnnotatorPause" WHERE "userId" = $1 AND "projectId" = $2`, [userId, projectId]);
  expect(pauses.rows).toEqual([{ goldAnswered: 1, goldCorrect: 0, clearedAt: null }]);

  // The panel: a heading, the reason in words with the project's threshold, what happens next, the way back.
  await expect(panel.getByRole('heading', { name: 'Paused for this project' })).toBeVisible();
  await expect(panel.getByTestId('paused-reason')).toContainText('matched less often than this project requires (75%)');
  await expect(panel.getByTestId('paused-next')).toContainText('an admin reviews your work and resumes you');
  const back = panel.getByRole('link', { name: 'Back to your projects' });
  await expect(back).toHaveAttribute('href', '/annotate');
  await expect(panel.getByRole('button', { name: 'Check again' })).toBeEnabled();
  await expect(page.getByRole('button', { name: 'Retry' })).toHaveCount(0);

  // No rating controls, and the rating keys do nothing (no flag dialog, no help, no request).
  for (const testId of ['task-prompt', 'answer-bar', 'submit-button', 'skip-button', 'flag-button', 'undo-button', 'pairwise-preference-A', 'recent-panel']) {
    await expect(page.getByTestId(testId)).toHaveCount(0);
  }
  const answersBefore = await database.query(`SELECT count(*)::int AS n FROM "Annotation" WHERE "userId" = $1`, [userId]);
  // Mutations (queue.next, submit, skip, flag, undo) are POSTs; the progress counts poll with GETs.
  const mutations: string[] = [];
  page.on('request', (request) => {
    if (request.method() === 'POST' && request.url().includes('/api/trpc/')) mutations.push(request.url());
  });
  for (const key of ['a', 'b', 'Enter', 's', 'f', 'u', '1', 'ArrowRight', '?']) await page.keyboard.press(key);
  await expect(page.getByTestId('flag-dialog')).toHaveCount(0);
  await expect(page.getByTestId('shortcuts-help')).toHaveCount(0);
  expect(mutations).toEqual([]);
  const answersAfter = await database.query(`SELECT count(*)::int AS n FROM "Annotation" WHERE "userId" = $1`, [userId]);
  expect(answersAfter.rows).toEqual(answersBefore.rows);

  // Nothing on the page says which task was the check: not its number, not its prompt.
  const goldPrompt = await database.query<{ text: string }>(`SELECT p.text FROM "Task" t JOIN "Prompt" p ON p.id = t."promptId" WHERE t.id = $1`, [goldTaskId]);
  const bodyText = await page.locator('body').innerText();
  expect(bodyText).not.toContain(`#${goldTaskId}`);
  expect(bodyText).not.toContain(goldPrompt.rows[0].text);
  expect((await panel.innerText()).toLowerCase()).not.toContain('gold');

  // "Check again" while still paused: one request, the same panel.
  await panel.getByRole('button', { name: 'Check again' }).click();
  await expect.poll(() => mutations.filter((url) => url.includes('queue.next')).length).toBe(1);
  await expect(panel.getByRole('button', { name: 'Check again' })).toBeEnabled();
  await expect(panel).toBeVisible();
  expect(mutations).toHaveLength(1);

  // The admin sees the pause on the Gold tab and resumes them.
  await adminPage.reload();
  const row = adminPage.getByTestId(`gold-accuracy-${annotator.name}`);
  await expect(row).toContainText('paused');
  await adminPage.getByTestId(`gold-resume-${annotator.name}`).click();
  await expect(row).toContainText('active');
  const pause = await database.query<{ clearedAt: Date | null }>(`SELECT "clearedAt" FROM "AnnotatorPause" WHERE "userId" = $1`, [userId]);
  expect(pause.rows[0].clearedAt).not.toBeNull();

  // Resumed: "Check again" brings the next task, and the keys rate again.
  await panel.getByRole('button', { name: 'Check again' }).click();
  await expect(prompt).toBeVisible();
  await expect(panel).toHaveCount(0);
  await expect(page.getByTestId('submit-button')).toBeVisible();

  // The way back leads to the project list.
  await page.goto(`/annotate/${projectId}`);
  await expect(prompt).toBeVisible();
  await page.goto('/annotate');
  await expect(page.getByTestId(`project-card-${projectId}`)).toBeVisible();
  await admin.close();
});
