/**
 * The review queue in the browser: a reviewer accepts (A), rejects with a reason (R) and corrects
 * (C) answers with the keyboard; each decision is a review row, a rejection puts the task back in
 * the queue. Reviewers get no admin pages.
 */
import { randomBytes } from 'node:crypto';
import { test, expect, signIn, signInByApi, callMutation } from './fixtures';

const suffix = randomBytes(3).toString('hex');
const reviewer = { email: `reviewer-${suffix}@example.test`, password: 'reviewer password 1' };
const annotator = { email: `reviewed-${suffix}@example.test`, password: 'annotator password 1' };
let projectId = 0;
const annotationIds: number[] = [];

test.beforeAll(async ({ playwright }) => {
  const e2e = { baseUrl: process.env.E2E_BASE_URL ?? '', adminEmail: process.env.E2E_ADMIN_EMAIL ?? '', adminPassword: process.env.E2E_ADMIN_PASSWORD ?? '', signInLimit: 10 };
  const admin = await playwright.request.newContext({ baseURL: e2e.baseUrl, extraHTTPHeaders: { 'x-forwarded-for': `10.9.${randomBytes(1)[0]}.1` } });
  await signInByApi(admin, e2e, e2e.adminEmail, e2e.adminPassword);
  await callMutation(admin, 'users.create', { ...reviewer, name: 'Rita Reviewer', role: 'reviewer' });
  await callMutation(admin, 'users.create', { ...annotator, name: 'Andy Answers', role: 'annotator' });
  const form = { questions: [{ id: 'preference', type: 'pairwise', label: 'Which is better?', allowTie: true }] };
  projectId = (await callMutation<{ id: number }>(admin, 'projects.create', { name: `Review ${suffix}`, form, completionsPerTask: 2, overlap: 1 })).id;
  const lines = ['one', 'two', 'three'].map((n) => JSON.stringify({ prompt: `Question ${n} ${suffix}`, completions: [`Answer ${n} first`, `Answer ${n} second`] }));
  await callMutation(admin, 'imports.commit', { projectId, fileName: 'review.jsonl', content: lines.join('\n') });
  await admin.dispose();

  const worker = await playwright.request.newContext({ baseURL: e2e.baseUrl, extraHTTPHeaders: { 'x-forwarded-for': `10.8.${randomBytes(1)[0]}.1` } });
  await signInByApi(worker, e2e, annotator.email, annotator.password);
  for (let i = 0; i < 3; i++) {
    const task = await callMutation<{ taskId: number }>(worker, 'queue.next', { projectId, excludeTaskIds: [] });
    const saved = await callMutation<{ annotationId: number }>(worker, 'annotations.submit', {
      clientId: crypto.randomUUID(),
      taskId: task.taskId,
      answer: { preference: { type: 'pairwise', choice: 'A' } },
      timeSpentMs: 2000,
    });
    annotationIds.push(saved.annotationId);
  }
  await worker.dispose();
});

test('[REVIEWER] works the review queue with A, R and C; each decision is a review row', async ({ page, database }) => {
  await signIn(page, reviewer.email, reviewer.password, /\/review$/);
  await page.getByTestId('review-project').selectOption(String(projectId));
  const item = page.getByTestId('review-item');
  await expect(item).toHaveAttribute('data-annotation-id', String(annotationIds[0]));
  await expect(page.getByTestId('review-answer')).toContainText('A is better');

  await page.keyboard.press('a');
  await expect(item).toHaveAttribute('data-annotation-id', String(annotationIds[1]));
  await page.keyboard.press('r');
  await page.getByTestId('review-reason').fill('Picked the weaker answer');
  await page.keyboard.press('Enter');
  await expect(item).toHaveAttribute('data-annotation-id', String(annotationIds[2]));
  await expect(page.getByTestId('review-history')).toContainText('Picked the weaker answer');

  await page.keyboard.press('c');
  await page.getByTestId('review-correction').fill('{"preference": {"type": "pairwise", "choice": "tie"}}');
  await page.getByTestId('review-correct-confirm').click();
  await expect(page.getByTestId('review-empty')).toBeVisible();
  await expect(page.getByTestId('review-history')).toContainText('correct by Rita Reviewer');

  const { rows } = await database.query<{ annotationId: number; decision: string; reason: string | null; correctedAnswer: unknown }>(
    `SELECT "annotationId", decision::text AS decision, reason, "correctedAnswer" FROM "Review" WHERE "annotationId" = ANY($1::int[]) ORDER BY id`,
    [annotationIds],
  );
  expect(rows).toEqual([
    { annotationId: annotationIds[0], decision: 'ACCEPT', reason: null, correctedAnswer: null },
    { annotationId: annotationIds[1], decision: 'REJECT', reason: 'Picked the weaker answer', correctedAnswer: null },
    { annotationId: annotationIds[2], decision: 'CORRECT', reason: null, correctedAnswer: { preference: { type: 'pairwise', choice: 'tie' } } },
  ]);
  // The rejected answer's task needs an answer again; the annotations themselves are unchanged.
  const task = await database.query<{ status: string; submittedCount: number }>(
    `SELECT t.status::text AS status, t."submittedCount" FROM "Task" t JOIN "Annotation" a ON a."taskId" = t.id WHERE a.id = $1`,
    [annotationIds[1]],
  );
  expect(task.rows[0]).toEqual({ status: 'OPEN', submittedCount: 0 });
  const answers = await database.query<{ answer: unknown }>(`SELECT answer FROM "Annotation" WHERE id = ANY($1::int[])`, [annotationIds]);
  expect(answers.rows.map((r) => r.answer)).toEqual(annotationIds.map(() => ({ preference: { type: 'pairwise', choice: 'A' } })));
});

test('[REVIEWER] admin pages answer with the not-allowed page', async ({ page }) => {
  await signIn(page, reviewer.email, reviewer.password, /\/review$/);
  const response = await page.goto('/admin');
  expect(response?.status()).toBe(403);
  await expect(page.getByTestId('not-allowed')).toBeVisible();
  await expect(page.getByTestId('nav-users')).toHaveCount(0);
});
