/**
 * The rating page as people use it all day: the answer bar in view on long conversations, each
 * task at its top, number keys through every scored question, undo of the last action (skips
 * included) and the Recent list, nothing chosen before the annotator acts, the word diff, the wide
 * layout, progress bars, and the count of tasks others hold. Projects and tasks are set up through
 * the API as the admin; every check reads the page (or the database) against the test's own data.
 */
import { randomBytes } from 'node:crypto';
import type { APIRequestContext, Page } from '@playwright/test';
import type pg from 'pg';
import { test, expect, signIn, signInByApi, callMutation, type E2EEnvironment } from './fixtures';

type ChatMessage = { role: 'user' | 'assistant'; content: string };
type ImportLine = { prompt: string | ChatMessage[]; completions: string[] };

const PAIRWISE = { questions: [{ id: 'preference', type: 'pairwise', label: 'Which response is better?' }] };
const RANKING = { questions: [{ id: 'ranking', type: 'ranking', label: 'Rank the responses' }] };
const SCORED = {
  questions: [
    { id: 'quality', type: 'likert', label: 'Overall quality', min: 1, max: 5 },
    {
      id: 'attrs',
      type: 'attributes',
      label: 'Attributes',
      attributes: [
        { name: 'honest', label: 'Honest', min: 1, max: 3 },
        { name: 'concise', label: 'Concise', min: 1, max: 3 },
      ],
    },
  ],
};

/** A fresh annotator and project with `lines` imported; the page is signed in and on the project. */
async function createProject(request: APIRequestContext, e2e: E2EEnvironment, form: object, lines: ImportLine[]) {
  const suffix = randomBytes(3).toString('hex');
  const annotator = { email: `page-${suffix}@example.test`, password: 'annotator password 1' };
  await signInByApi(request, e2e, e2e.adminEmail, e2e.adminPassword);
  await callMutation(request, 'users.create', { ...annotator, name: 'Paula Page', role: 'annotator' });
  const project = await callMutation<{ id: number }>(request, 'projects.create', { name: `E2E page ${suffix}`, form, completionsPerTask: lines[0].completions.length, overlap: 1 });
  const content = `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`;
  await callMutation(request, 'imports.commit', { projectId: project.id, fileName: 'tasks.jsonl', content });
  return { projectId: project.id, annotator };
}

async function openProject(page: Page, request: APIRequestContext, e2e: E2EEnvironment, form: object, lines: ImportLine[]) {
  const { projectId, annotator } = await createProject(request, e2e, form, lines);
  await signIn(page, annotator.email, annotator.password, /\/annotate$/);
  await page.goto(`/annotate/${projectId}`);
  await expect(page.getByTestId('task-prompt')).toBeVisible();
  return projectId;
}

const paragraph = (topic: string, n: number) => Array.from({ length: n }, (_, i) => `${topic} sentence ${i + 1} goes on about the matter at some length so that it wraps.`).join(' ');

/** A conversation of `turns` messages ending with a user turn, and two long answers. */
function longConversation(name: string, turns: number): ImportLine {
  const prompt: ChatMessage[] = Array.from({ length: turns }, (_, i) => ({
    role: (turns - 1 - i) % 2 === 0 ? 'user' : 'assistant',
    content: `${name} turn ${i + 1}. ${paragraph(`${name} turn ${i + 1}`, 6)}`,
  }));
  return { prompt, completions: [`${name} first answer. ${paragraph('First', 14)}`, `${name} second answer. ${paragraph('Second', 14)}`] };
}

async function promptText(page: Page) {
  return (await page.getByTestId('task-prompt').innerText()).trim();
}

/** Which of `prompts` is on screen. */
async function shownPrompt(page: Page, prompts: string[]) {
  const text = await promptText(page);
  const match = prompts.find((p) => text.includes(p));
  expect(match, `unexpected prompt: ${text}`).toBeTruthy();
  return match ?? '';
}

async function readAnnotations(database: pg.Client, projectId: number) {
  const { rows } = await database.query<{ taskId: number; prompt: string; status: string; answer: Record<string, unknown> | null }>(
    `SELECT a."taskId", p.text AS prompt, a.status, a.answer FROM "Annotation" a JOIN "Task" t ON t.id = a."taskId" JOIN "Prompt" p ON p.id = t."promptId" WHERE a."projectId" = $1 ORDER BY a.id`,
    [projectId],
  );
  return rows;
}

/** Ids of the completions on screen, in display order, found by their text. */
async function completionIdsOnScreen(page: Page, database: pg.Client, projectId: number) {
  const texts = await page.locator('[data-testid^="completion-text-"]').allInnerTexts();
  const { rows } = await database.query<{ id: number; text: string }>(`SELECT c.id, c.text FROM "Completion" c JOIN "Prompt" p ON p.id = c."promptId" WHERE p."projectId" = $1`, [projectId]);
  const ids = texts.map((text) => rows.find((row) => row.text.replace(/\s+/g, ' ').trim() === text.replace(/\s+/g, ' ').trim())?.id ?? -1);
  expect(ids).not.toContain(-1);
  return ids;
}

function expectInViewport(box: { x: number; y: number; width: number; height: number } | null, viewport: { width: number; height: number }, what: string) {
  expect(box, what).not.toBeNull();
  if (!box) return;
  expect(box.y, `${what} top`).toBeGreaterThanOrEqual(0);
  expect(box.y + box.height, `${what} bottom`).toBeLessThanOrEqual(viewport.height);
}

test('[ANNOTATOR] a long conversation at 1440x900: earlier turns folded, the answer bar and Submit in view, A marks response A chosen and shows it', async ({ page, request, e2e }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await openProject(page, request, e2e, PAIRWISE, [longConversation('Long', 9)]);
  const viewport = { width: 1440, height: 900 };

  // Nine turns: the last (a user turn) shows, the eight before it are behind the toggle.
  await expect(page.getByTestId('prompt-earlier-toggle')).toHaveText('Show 8 earlier turns');
  await expect(page.getByTestId('prompt-messages').locator('li')).toHaveCount(1);
  await expect(page.getByTestId('task-prompt')).toContainText('Long turn 9.');
  await expect(page.getByTestId('task-prompt')).not.toContainText('Long turn 8.');

  expectInViewport(await page.getByTestId('answer-bar').boundingBox(), viewport, 'answer bar');
  expectInViewport(await page.getByTestId('submit-button').boundingBox(), viewport, 'Submit');
  await expect(page.getByTestId('completion-0')).toHaveAttribute('data-chosen', 'false');

  await page.keyboard.press('a');
  await expect(page.getByTestId('pairwise-preference-A')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('completion-0')).toHaveAttribute('data-chosen', 'true');
  await expect(page.getByTestId('chosen-badge-0')).toBeVisible();
  await expect(page.getByTestId('chosen-badge-0')).toBeInViewport();
  await expect(page.getByTestId('completion-1')).toHaveAttribute('data-chosen', 'false');
  expectInViewport(await page.getByTestId('submit-button').boundingBox(), viewport, 'Submit after A');

  // Unfolded, every turn shows, and the bar is still in view.
  await page.getByTestId('prompt-earlier-toggle').click();
  await expect(page.getByTestId('prompt-messages').locator('li')).toHaveCount(9);
  expectInViewport(await page.getByTestId('answer-bar').boundingBox(), viewport, 'answer bar, all turns shown');
});

test('[ANNOTATOR] the next task opens at its top, not at the scroll position of the one before', async ({ page, request, e2e }) => {
  await openProject(page, request, e2e, PAIRWISE, [longConversation('First', 9), longConversation('Second', 9)]);
  const first = await shownPrompt(page, ['First turn 9.', 'Second turn 9.']);
  await page.getByTestId('prompt-earlier-toggle').click();
  await page.evaluate(() => window.scrollTo(0, 3000));
  await expect.poll(() => page.evaluate(() => window.scrollY)).toBeGreaterThan(500);
  await page.getByTestId('pairwise-preference-B').click();
  await page.getByTestId('submit-button').click();
  await expect(page.getByTestId('task-prompt')).not.toContainText(first);
  await expect.poll(() => page.evaluate(() => window.scrollY)).toBe(0);
});

test('[ANNOTATOR] number keys answer a Likert and two attribute scores in turn, Enter submits all three', async ({ page, request, e2e, database }) => {
  const projectId = await openProject(page, request, e2e, SCORED, [{ prompt: 'Scored prompt', completions: ['The only answer.'] }]);
  const [id] = await completionIdsOnScreen(page, database, projectId);
  const slot = (key: string) => page.locator(`[data-slot="${id}:${key}"]`);

  await expect(slot('quality:')).toHaveAttribute('aria-current', 'true');
  await page.keyboard.press('4');
  await expect(page.getByTestId(`likert-quality-${id}-4`)).toHaveAttribute('aria-pressed', 'true');
  await expect(slot('attrs:honest')).toHaveAttribute('aria-current', 'true');
  await expect(slot('quality:')).not.toHaveAttribute('aria-current', 'true');
  await page.keyboard.press('2');
  await expect(page.getByTestId(`attribute-attrs-${id}-honest-2`)).toHaveAttribute('aria-pressed', 'true');
  await expect(slot('attrs:concise')).toHaveAttribute('aria-current', 'true');
  await page.keyboard.press('3');
  await expect(page.getByTestId(`attribute-attrs-${id}-concise-3`)).toHaveAttribute('aria-pressed', 'true');
  // The first answer was not overwritten by the later keys.
  await expect(page.getByTestId(`likert-quality-${id}-4`)).toHaveAttribute('aria-pressed', 'true');

  // ↑ and a click make another question active: ↑ goes back to Honest, a click on Quality's row picks it.
  await page.keyboard.press('ArrowUp');
  await expect(slot('attrs:honest')).toHaveAttribute('aria-current', 'true');
  await slot('quality:').locator('span').first().click();
  await expect(slot('quality:')).toHaveAttribute('aria-current', 'true');

  await page.keyboard.press('Enter');
  await expect(page.getByTestId('empty-queue')).toBeVisible();
  await expect.poll(async () => (await readAnnotations(database, projectId)).length).toBe(1);
  const [row] = await readAnnotations(database, projectId);
  expect(row.status).toBe('SUBMITTED');
  expect(row.answer).toEqual({
    quality: { type: 'likert', scores: { [id]: 4 } },
    attrs: { type: 'attributes', scores: { [id]: { honest: 2, concise: 3 } } },
  });
});

test('[ANNOTATOR] U undoes the last action: a skip comes back; after submit then skip, the skipped task comes back, not the submitted one', async ({ page, request, e2e, database }) => {
  const prompts = ['Undo prompt one', 'Undo prompt two', 'Undo prompt three'];
  const projectId = await openProject(
    page,
    request,
    e2e,
    PAIRWISE,
    prompts.map((prompt, i) => ({ prompt, completions: [`Left ${i}`, `Right ${i}`] })),
  );
  const prompt = page.getByTestId('task-prompt');
  const first = await shownPrompt(page, prompts);

  await page.keyboard.press('s');
  await expect(prompt).not.toContainText(first);
  await expect(page.getByTestId('undo-button')).toBeEnabled();
  await page.keyboard.press('u');
  await expect(prompt).toContainText(first);
  await expect.poll(async () => (await readAnnotations(database, projectId)).length).toBe(0);

  // Submit the first, skip the next, U: the skipped one is back, the submission stays.
  await page.keyboard.press('a');
  await page.keyboard.press('Enter');
  await expect(prompt).not.toContainText(first);
  const skipped = await shownPrompt(page, prompts);
  await page.keyboard.press('s');
  await expect(prompt).not.toContainText(skipped);
  await expect(page.getByTestId('recent-panel').locator('li')).toHaveCount(2);
  await page.keyboard.press('u');
  await expect(prompt).toContainText(skipped);
  await expect.poll(async () => (await readAnnotations(database, projectId)).map((r) => [r.prompt, r.status])).toEqual([[first, 'SUBMITTED']]);

  // Recent lists the submission with what was done; Reopen brings it back with its answer.
  const items = page.getByTestId('recent-panel').locator('li');
  await expect(items).toHaveCount(1);
  await expect(items.first()).toHaveAttribute('data-status', 'SUBMITTED');
  await expect(items.first()).toContainText('Submitted');
  await expect(items.first()).toContainText('Undo prompt');
  await items
    .first()
    .getByRole('button', { name: /Reopen/ })
    .click();
  await expect(prompt).toContainText(first);
  await expect(page.getByTestId('pairwise-preference-A')).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(async () => (await readAnnotations(database, projectId)).length).toBe(0);
  await expect(page.getByTestId('recent-panel').locator('li')).toHaveCount(0);
});

test('[ANNOTATOR] a pair loads with nothing implied: the page has the keyboard, no response is focused or chosen', async ({ page, request, e2e }) => {
  await openProject(page, request, e2e, PAIRWISE, [{ prompt: 'Implied pair', completions: ['One', 'Two'] }]);
  await expect(page.getByTestId('task-container')).toBeFocused();
  for (const index of [0, 1]) {
    await expect(page.getByTestId(`completion-${index}`)).not.toBeFocused();
    await expect(page.getByTestId(`completion-${index}`)).toHaveAttribute('data-chosen', 'false');
  }
  await expect(page.locator('[data-testid^="completion-"]:focus-within')).toHaveCount(0);
  await expect(page.locator('[aria-pressed="true"]')).toHaveCount(0);
  // The keys still work from there.
  await page.keyboard.press('b');
  await expect(page.getByTestId('completion-1')).toHaveAttribute('data-chosen', 'true');
});

test('[ANNOTATOR] a ranking starts unranked; Enter with an incomplete ranking says so and saves nothing', async ({ page, request, e2e, database }) => {
  const projectId = await openProject(page, request, e2e, RANKING, [
    { prompt: 'Implied ranking', completions: ['Alpha answer', 'Beta answer', 'Gamma answer'] },
    { prompt: 'Implied ranking two', completions: ['Delta answer', 'Epsilon answer', 'Zeta answer'] },
  ]);
  const first = await shownPrompt(page, ['Implied ranking two', 'Implied ranking']);
  const ids = await completionIdsOnScreen(page, database, projectId);
  const ranked = page.getByTestId('ranking-list').locator('[data-testid^="rank-item-"]');
  await expect(page.getByTestId('ranking-count')).toHaveText('0 of 3 placed');
  await expect(ranked).toHaveCount(0);
  await expect(page.getByTestId('ranking-unranked').locator('[data-testid^="rank-item-"]')).toHaveCount(3);

  await page.keyboard.press('Enter');
  await expect(page.getByTestId('toast')).toContainText('place every response before submitting (0 of 3 placed');
  await page.keyboard.press('2'); // A, the first unplaced, to place 2
  await page.keyboard.press('1'); // then B to place 1
  await expect(page.getByTestId('ranking-count')).toHaveText('2 of 3 placed');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('toast').last()).toContainText('2 of 3 placed');
  await expect(page.getByTestId('task-prompt')).toContainText(first);
  expect(await readAnnotations(database, projectId)).toEqual([]);
  await page.keyboard.press('3'); // C to place 3
  await expect(page.getByTestId('ranking-count')).toHaveText('3 of 3 placed');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('ranking-count')).toHaveText('0 of 3 placed');
  await expect.poll(async () => (await readAnnotations(database, projectId)).length).toBe(1);
  const [row] = await readAnnotations(database, projectId);
  expect(row.answer).toEqual({ ranking: { type: 'ranking', order: [ids[1], ids[0], ids[2]] } });
});

test('[ANNOTATOR] D shows a word diff of two responses: only the differing words are marked', async ({ page, request, e2e }) => {
  await openProject(page, request, e2e, PAIRWISE, [{ prompt: 'Diff prompt', completions: ['The quick brown fox jumps over the lazy dog.', 'The quick brown fox leaps over the lazy dog.'] }]);
  const a = (await page.getByTestId('completion-text-0').innerText()).trim();
  const [onlyA, onlyB] = a.includes('jumps') ? ['jumps', 'leaps'] : ['leaps', 'jumps'];
  await expect(page.getByTestId('response-diff')).toHaveCount(0);
  await page.keyboard.press('d');
  const diff = page.getByTestId('response-diff-text');
  await expect(diff).toBeVisible();
  await expect(page.getByTestId('diff-toggle')).toHaveAttribute('aria-pressed', 'true');
  expect((await diff.locator('del').allInnerTexts()).map((t) => t.trim())).toEqual([onlyA]);
  expect((await diff.locator('ins').allInnerTexts()).map((t) => t.trim())).toEqual([onlyB]);
  // The rest is plain text: everything outside <del>/<ins> is the shared words.
  const unmarked = await diff.evaluate((element) =>
    Array.from(element.childNodes)
      .filter((node) => !(node instanceof HTMLElement && (node.tagName === 'DEL' || node.tagName === 'INS')))
      .map((node) => node.textContent)
      .join(''),
  );
  expect(unmarked.replace(/\s+/g, ' ').trim()).toBe('The quick brown fox over the lazy dog.');
  await page.keyboard.press('d');
  await expect(page.getByTestId('response-diff')).toHaveCount(0);
});

test('[ANNOTATOR] at 1700 px the prompt sits beside the responses', async ({ page, request, e2e }) => {
  await page.setViewportSize({ width: 1700, height: 1000 });
  await openProject(page, request, e2e, PAIRWISE, [longConversation('Wide', 3)]);
  const prompt = await page.getByTestId('task-prompt').boundingBox();
  const responses = await page.getByTestId('task-responses').boundingBox();
  expect(prompt && responses).toBeTruthy();
  if (!prompt || !responses) return;
  expect(prompt.x + prompt.width).toBeLessThanOrEqual(responses.x);
  // Side by side: they overlap vertically.
  expect(prompt.y).toBeLessThan(responses.y + responses.height);
  expect(responses.y).toBeLessThan(prompt.y + prompt.height);

  await page.setViewportSize({ width: 1440, height: 900 });
  const narrowPrompt = await page.getByTestId('task-prompt').boundingBox();
  const narrowResponses = await page.getByTestId('task-responses').boundingBox();
  expect(narrowPrompt && narrowResponses && narrowPrompt.y + narrowPrompt.height <= narrowResponses.y).toBe(true);
});

test.describe('progress', () => {
  test.use({ locale: 'en-US' });

  test('[ANNOTATOR] session and queue progress bars count with thousands separators', async ({ page, request, e2e }) => {
    const lines = Array.from({ length: 1200 }, (_, i) => ({ prompt: `Bulk prompt ${i + 1}`, completions: [`x${i}`, `y${i}`] }));
    await openProject(page, request, e2e, PAIRWISE, lines);
    const queueBar = page.getByTestId('progress-queue');
    const sessionBar = page.getByTestId('progress-session');
    await expect(queueBar).toHaveAttribute('role', 'progressbar');
    await expect(queueBar).toHaveAttribute('aria-valuenow', '0');
    await expect(queueBar).toHaveAttribute('aria-valuemax', '1200');
    await expect(page.getByTestId('progress-queue-text')).toHaveText('0 / 1,200');
    await expect(page.getByTestId('progress-remaining')).toHaveText('1,200');

    const first = await promptText(page);
    await page.keyboard.press('a');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('task-prompt')).not.toHaveText(first);
    await expect(sessionBar).toHaveAttribute('aria-valuenow', '1');
    await expect(page.getByTestId('progress-session-text')).toHaveText('1 / 1,200');
    await expect(queueBar).toHaveAttribute('aria-valuenow', '1');
    await expect(page.getByTestId('progress-queue-text')).toHaveText('1 / 1,200');
    await expect(page.getByTestId('progress-remaining')).toHaveText('1,199');
  });
});

test('[ANNOTATOR] when the last task is held by another annotator the page says "1 in progress by others", not "Remaining"', async ({ page, request, e2e, playwright, clientAddress }) => {
  const { projectId, annotator } = await createProject(request, e2e, PAIRWISE, [
    { prompt: 'Held one', completions: ['a1', 'b1'] },
    { prompt: 'Held two', completions: ['a2', 'b2'] },
  ]);
  const other = { email: `other-${randomBytes(3).toString('hex')}@example.test`, password: 'annotator password 2' };
  await callMutation(request, 'users.create', { ...other, name: 'Otto Other', role: 'annotator' });
  const otherRequest = await playwright.request.newContext({ baseURL: e2e.baseUrl, extraHTTPHeaders: { 'x-forwarded-for': `${clientAddress.split('.').slice(0, 3).join('.')}.7` } });
  await signInByApi(otherRequest, e2e, other.email, other.password);
  const held = await callMutation<{ taskId: number } | null>(otherRequest, 'queue.next', { projectId });
  expect(held).not.toBeNull();

  await signIn(page, annotator.email, annotator.password, /\/annotate$/);
  await page.goto(`/annotate/${projectId}`);
  await expect(page.getByTestId('task-prompt')).toBeVisible();
  await page.keyboard.press('b');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('empty-queue')).toBeVisible();
  await expect(page.getByTestId('progress-held-by-others')).toHaveText('1 in progress by others');
  await expect(page.getByTestId('progress-remaining')).toHaveCount(0);
  await expect(page.getByText(/Remaining/)).toHaveCount(0);
  await otherRequest.dispose();
});

test('[ANNOTATOR] the shortcuts help lists every key, the new ones included, and says what Tab does', async ({ page, request, e2e }) => {
  await openProject(page, request, e2e, PAIRWISE, [{ prompt: 'Help prompt', completions: ['h1', 'h2'] }]);
  await page.keyboard.press('?');
  const help = page.getByTestId('shortcuts-help');
  await expect(help).toBeVisible();
  for (const [key, words] of [
    ['D', 'word diff'],
    ['U', 'Undo your last action (submit, skip or flag)'],
    ['Tab', 'focus order'],
    ['1 – 9', 'next unanswered one becomes active'],
    ['↑ ↓', 'Previous / next question'],
    ['Enter', 'Submit'],
    ['S', 'Skip'],
    ['F', 'Flag'],
    ['G', 'guidelines'],
    ['Esc', 'Close dialogs'],
  ] as const) {
    await expect(help.locator('dt', { hasText: new RegExp(`^${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) })).toHaveCount(1);
    await expect(help).toContainText(words);
  }
});
