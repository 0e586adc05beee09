/**
 * The rating forms besides pairwise, keyboard only: number keys score the active question
 * (Likert, thumbs) or place a ranking item, Tab and the arrows move between completions and ranking
 * items, Enter submits; a double Enter or double click saves one answer. Projects and tasks are set
 * up through the API as the admin; display order is shuffled per task, so each score is checked
 * against the completion whose text was on screen.
 */
import { randomBytes } from 'node:crypto';
import type { APIRequestContext, Page } from '@playwright/test';
import type pg from 'pg';
import { test, expect, signIn, signInByApi, callMutation, type E2EEnvironment } from './fixtures';

type ImportLine = { prompt: string; completions: string[] };
type Annotation = { taskId: number; prompt: string; status: string; answer: Record<string, { scores?: Record<string, number>; votes?: Record<string, string>; order?: number[] }> };

const LIKERT = { questions: [{ id: 'quality', type: 'likert', label: 'How good is this response?', min: 1, max: 5 }] };
const THUMBS = { questions: [{ id: 'thumbs', type: 'thumbs', label: 'Is this response acceptable?' }] };
const RANKING = { questions: [{ id: 'ranking', type: 'ranking', label: 'Rank the responses' }] };

/** A fresh annotator and project with `lines` imported; the page is signed in and on the project. */
async function openProject(page: Page, request: APIRequestContext, e2e: E2EEnvironment, form: object, lines: ImportLine[]) {
  const suffix = randomBytes(3).toString('hex');
  const annotator = { email: `rater-${suffix}@example.test`, password: 'annotator password 1' };
  await signInByApi(request, e2e, e2e.adminEmail, e2e.adminPassword);
  await callMutation(request, 'users.create', { ...annotator, name: 'Rita Rater', role: 'annotator' });
  const completionsPerTask = lines[0].completions.length;
  const project = await callMutation<{ id: number }>(request, 'projects.create', { name: `E2E forms ${suffix}`, form, completionsPerTask, overlap: 1 });
  const content = lines.map((line) => JSON.stringify(line)).join('\n') + '\n';
  await callMutation(request, 'imports.commit', { projectId: project.id, fileName: 'tasks.jsonl', content });
  await signIn(page, annotator.email, annotator.password, /\/annotate$/);
  await page.goto(`/annotate/${project.id}`);
  return project.id;
}

const lines = (name: string, tasks: number, perTask: number): ImportLine[] =>
  Array.from({ length: tasks }, (_, t) => ({ prompt: `${name} prompt ${t + 1}`, completions: Array.from({ length: perTask }, (_, c) => `${name} answer ${t + 1}.${c + 1}`) }));

/** Waits for a task other than `previous`; returns its prompt and completion ids in display order. */
async function readTask(page: Page, database: pg.Client, projectId: number, previous?: string) {
  const prompt = page.getByTestId('task-prompt');
  await expect(prompt).toBeVisible();
  if (previous) await expect(prompt).not.toContainText(previous);
  const texts = await page.locator('[data-testid^="completion-text-"]').allInnerTexts();
  const { rows } = await database.query<{ id: number; text: string }>(`SELECT c.id, c.text FROM "Completion" c JOIN "Prompt" p ON p.id = c."promptId" WHERE p."projectId" = $1`, [projectId]);
  const ids = texts.map((text) => rows.find((row) => row.text === text.trim())?.id ?? -1);
  expect(ids).not.toContain(-1);
  return { prompt: (await prompt.innerText()).replace(/^Prompt\s*/i, '').trim(), ids };
}

async function readAnnotations(database: pg.Client, projectId: number): Promise<Annotation[]> {
  const { rows } = await database.query<Annotation>(
    `SELECT a."taskId", p.text AS prompt, a.status, a.answer FROM "Annotation" a JOIN "Task" t ON t.id = a."taskId" JOIN "Prompt" p ON p.id = t."promptId" WHERE a."projectId" = $1 ORDER BY p.text`,
    [projectId],
  );
  return rows;
}

test('[ANNOTATOR] scores Likert with number keys, moving with auto-advance, arrows and Shift+Tab', async ({ page, request, e2e, database }) => {
  const projectId = await openProject(page, request, e2e, LIKERT, lines('Likert', 2, 2));
  const likert = (id: number, score: number) => page.getByTestId(`likert-quality-${id}-${score}`);

  // Task 1: a number scores the focused completion and moves focus to the next one.
  const first = await readTask(page, database, projectId);
  await page.keyboard.press('4');
  await expect(likert(first.ids[0], 4)).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('completion-1')).toBeFocused();
  await page.keyboard.press('2');
  await expect(likert(first.ids[1], 2)).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('Enter');

  // Task 2: → to B; Shift+Tab back into A's buttons, score A (the keys move on to B); score B; ← to A again and change its score.
  const second = await readTask(page, database, projectId, first.prompt);
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('completion-1')).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await expect(page.getByTestId('completion-0').locator(':focus')).toHaveCount(1);
  await page.keyboard.press('1');
  await expect(likert(second.ids[0], 1)).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('completion-1')).toBeFocused();
  await page.keyboard.press('5');
  await expect(likert(second.ids[1], 5)).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('completion-0')).toBeFocused();
  await page.keyboard.press('3');
  await expect(likert(second.ids[0], 3)).toHaveAttribute('aria-pressed', 'true');
  await expect(likert(second.ids[1], 5)).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('empty-queue')).toBeVisible();

  await expect.poll(async () => (await readAnnotations(database, projectId)).length).toBe(2);
  const rows = await readAnnotations(database, projectId);
  expect(rows.map((r) => r.status)).toEqual(['SUBMITTED', 'SUBMITTED']);
  expect(rows.map((r) => [r.prompt, r.answer])).toEqual([
    [first.prompt, { quality: { type: 'likert', scores: { [first.ids[0]]: 4, [first.ids[1]]: 2 } } }],
    [second.prompt, { quality: { type: 'likert', scores: { [second.ids[0]]: 3, [second.ids[1]]: 5 } } }],
  ]);
});

test('[ANNOTATOR] votes thumbs with 1 (up) and 2 (down) and submits with Enter', async ({ page, request, e2e, database }) => {
  const projectId = await openProject(page, request, e2e, THUMBS, lines('Thumbs', 1, 2));
  const task = await readTask(page, database, projectId);
  await page.keyboard.press('1');
  await expect(page.getByTestId(`thumbs-thumbs-${task.ids[0]}-up`)).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('completion-1')).toBeFocused();
  await page.keyboard.press('2');
  await expect(page.getByTestId(`thumbs-thumbs-${task.ids[1]}-down`)).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('empty-queue')).toBeVisible();

  await expect.poll(async () => (await readAnnotations(database, projectId)).length).toBe(1);
  const [row] = await readAnnotations(database, projectId);
  expect(row).toMatchObject({ prompt: task.prompt, status: 'SUBMITTED', answer: { thumbs: { type: 'thumbs', votes: { [task.ids[0]]: 'up', [task.ids[1]]: 'down' } } } });
  expect(Object.keys(row.answer.thumbs.votes ?? {})).toHaveLength(2);
});

/** The ranking on screen, best first, as completion ids (labels A, B, C are display positions). */
async function readRanking(page: Page, ids: number[]) {
  const labels = await page
    .getByTestId('ranking-list')
    .locator('[data-testid^="rank-item-"]')
    .evaluateAll((items) => items.map((item) => item.getAttribute('data-testid')?.slice(-1) ?? ''));
  return labels.map((label) => ids[label.charCodeAt(0) - 65]);
}

test('[ANNOTATOR] ranks three completions with number keys, arrows and a selected item; the stored order is the one shown', async ({ page, request, e2e, database }) => {
  const projectId = await openProject(page, request, e2e, RANKING, lines('Ranking', 1, 3));
  const task = await readTask(page, database, projectId);
  const [a, b, c] = task.ids;
  // Nothing is ranked until the annotator places it.
  await expect.poll(() => readRanking(page, task.ids)).toEqual([]);

  await page.keyboard.press('3'); // A (the first unplaced) to third place; the keys move on to B
  await expect.poll(() => readRanking(page, task.ids)).toEqual([a]);
  await expect(page.getByTestId('completion-1')).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('completion-2')).toBeFocused();
  await page.keyboard.press('1'); // C to first place; B is the one left
  await expect(page.getByTestId('completion-1')).toBeFocused();
  await page.keyboard.press('2'); // B to second place
  await expect.poll(() => readRanking(page, task.ids)).toEqual([c, b, a]);

  // A selected item moves with ↓ ↑ (swapping with its neighbour); Escape clears the selection.
  await page.getByTestId('rank-item-C').click();
  await expect(page.getByTestId('rank-item-C')).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('ArrowDown');
  await expect.poll(() => readRanking(page, task.ids)).toEqual([b, c, a]);
  await page.keyboard.press('ArrowDown');
  await expect.poll(() => readRanking(page, task.ids)).toEqual([b, a, c]);
  await page.keyboard.press('ArrowUp');
  await expect.poll(() => readRanking(page, task.ids)).toEqual([b, c, a]);
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('rank-item-C')).toHaveAttribute('aria-pressed', 'false');
  const shown = await readRanking(page, task.ids);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('empty-queue')).toBeVisible();

  await expect.poll(async () => (await readAnnotations(database, projectId)).length).toBe(1);
  const [row] = await readAnnotations(database, projectId);
  expect(row).toMatchObject({ prompt: task.prompt, status: 'SUBMITTED' });
  expect(row.answer).toEqual({ ranking: { type: 'ranking', order: shown } });
});

test('[ANNOTATOR] a double Enter or a double click saves one answer and never submits the next task unseen', async ({ page, request, e2e, database }) => {
  const projectId = await openProject(page, request, e2e, RANKING, lines('Double', 3, 3));
  const first = await readTask(page, database, projectId);
  await page.keyboard.press('2'); // A second, B first, C third
  await page.keyboard.press('1');
  await page.keyboard.press('3');
  await expect.poll(() => readRanking(page, first.ids)).toEqual([first.ids[1], first.ids[0], first.ids[2]]);
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');

  const second = await readTask(page, database, projectId, first.prompt);
  await page.keyboard.press('3'); // A third, B first, C second
  await page.keyboard.press('1');
  await page.keyboard.press('2');
  await expect.poll(() => readRanking(page, second.ids)).toEqual([second.ids[1], second.ids[2], second.ids[0]]);
  await page.getByTestId('submit-button').dblclick();

  // The third task stays on screen, unanswered.
  const third = await readTask(page, database, projectId, second.prompt);
  await expect.poll(async () => (await readAnnotations(database, projectId)).length).toBe(2);
  await page.waitForTimeout(500); // a stray second submission would land by now
  const rows = await readAnnotations(database, projectId);
  expect(rows.map((r) => r.prompt)).toEqual([first.prompt, second.prompt]);
  expect(rows.map((r) => r.answer.ranking.order)).toEqual([
    [first.ids[1], first.ids[0], first.ids[2]],
    [second.ids[1], second.ids[2], second.ids[0]],
  ]);
  await expect(page.getByTestId('task-prompt')).toContainText(third.prompt);
  const { rows: tasks } = await database.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM "Task" WHERE "projectId" = $1 GROUP BY status ORDER BY status::text`, [
    projectId,
  ]);
  expect(tasks).toEqual([
    { status: 'DONE', n: 2 },
    { status: 'OPEN', n: 1 },
  ]);
});
