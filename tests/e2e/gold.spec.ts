/**
 * Gold tasks in the browser: a paused annotator sees why on the rating page (not an empty queue),
 * and the admin sees gold accuracy on the project's Gold tab and resumes them.
 */
import { randomBytes } from 'node:crypto';
import { test, expect, signIn, signInByApi, callMutation } from './fixtures';

const suffix = randomBytes(3).toString('hex');
const annotator = { email: `paused-${suffix}@example.test`, password: 'annotator password 1', name: `Paul Paused ${suffix}` };
let projectId = 0;
let goldTaskId = 0;

test.beforeAll(async ({ playwright }) => {
  const e2e = { baseUrl: process.env.E2E_BASE_URL ?? '', adminEmail: process.env.E2E_ADMIN_EMAIL ?? '', adminPassword: process.env.E2E_ADMIN_PASSWORD ?? '', signInLimit: 10 };
  const admin = await playwright.request.newContext({ baseURL: e2e.baseUrl, extraHTTPHeaders: { 'x-forwarded-for': `10.7.${randomBytes(1)[0]}.1` } });
  await signInByApi(admin, e2e, e2e.adminEmail, e2e.adminPassword);
  await callMutation(admin, 'users.create', { email: annotator.email, password: annotator.password, name: annotator.name, role: 'annotator' });
  const form = { questions: [{ id: 'preference', type: 'pairwise', label: 'Which is better?' }] };
  projectId = (await callMutation<{ id: number }>(admin, 'projects.create', { name: `Gold ${suffix}`, form, completionsPerTask: 2, overlap: 1 })).id;
  const lines = ['one', 'two', 'three', 'four'].map((n) => JSON.stringify({ prompt: `Gold question ${n} ${suffix}`, completions: [`Answer ${n} first`, `Answer ${n} second`] }));
  await callMutation(admin, 'imports.commit', { projectId, fileName: 'gold.jsonl', content: lines.join('\n') });
  await admin.dispose();
});

test('[ANNOTATOR] a paused annotator sees why on the rating page; [ADMIN] sees gold accuracy and resumes them', async ({ page, database, browser, e2e, clientAddress }) => {
  // One gold task, answered wrongly, and the pause the database wrote for it (the scoring and
  // pausing themselves are covered by tests/integration/gold.test.ts).
  const admin = await browser.newContext({ baseURL: e2e.baseUrl, extraHTTPHeaders: { 'x-forwarded-for': clientAddress } });
  const adminPage = await admin.newPage();
  await signIn(adminPage, e2e.adminEmail, e2e.adminPassword, /\/admin$/);
  const { rows } = await database.query<{ id: number }>(`SELECT id FROM "Task" WHERE "projectId" = $1 ORDER BY id LIMIT 1`, [projectId]);
  goldTaskId = rows[0].id;
  await adminPage.goto(`/admin/projects/${projectId}?tab=gold`);
  await adminPage.getByTestId('gold-task-id').fill(String(goldTaskId));
  await adminPage.getByTestId('gold-expected').fill('{"preference": {"type": "pairwise", "choice": "A"}}');
  await adminPage.getByTestId('gold-add-submit').click();
  await expect(adminPage.getByTestId(`gold-task-${goldTaskId}`)).toBeVisible();
  const user = await database.query<{ id: string }>(`SELECT id FROM "user" WHERE email = $1`, [annotator.email]);
  await database.query(`INSERT INTO "AnnotatorPause" ("userId", "projectId", reason, "goldAnswered", "goldCorrect") VALUES ($1, $2, 'gold-accuracy', 5, 2)`, [user.rows[0].id, projectId]);

  await signIn(page, annotator.email, annotator.password, /\/annotate$/);
  await page.goto(`/annotate/${projectId}`);
  await expect(page.getByText('Paused: your answers on check tasks fell below 80%. An admin will review your work and resume you.')).toBeVisible();
  await expect(page.getByTestId('task-prompt')).toHaveCount(0);

  await adminPage.reload();
  const row = adminPage.getByTestId(`gold-accuracy-${annotator.name}`);
  await expect(row).toContainText('paused');
  await adminPage.getByTestId(`gold-resume-${annotator.name}`).click();
  // Resumed, and with no gold answers of their own, they leave the table.
  await expect(row).toHaveCount(0);
  const pause = await database.query<{ clearedAt: Date | null }>(`SELECT "clearedAt" FROM "AnnotatorPause" WHERE "userId" = $1`, [user.rows[0].id]);
  expect(pause.rows[0].clearedAt).not.toBeNull();

  await page.reload();
  await expect(page.getByTestId('task-prompt')).toBeVisible();
  await admin.close();
});
