/**
 * Stored text never runs as script. Every text a person can store and another sees (project
 * names, guidelines in markdown, form labels, prompts plain and as chat turns, completions,
 * critiques, flag reasons, user names) carries the classic payloads; every page is opened as each
 * role with a tripwire installed before any script of the page runs (`window.__xss` and any
 * dialog); no payload may fire, no `javascript:` link may reach the DOM, and the payloads must be
 * on screen as text (escaped, not dropped).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { APIRequestContext, Page } from '@playwright/test';
import { test, expect, signIn, signInByApi, callMutation, type E2EEnvironment } from './fixtures';
import { PROJECT_TABS } from '../../app/_components/admin/project-tabs';

const PAYLOADS = ['<img src=x onerror=window.__xss=1>', '<script>window.__xss=1</script>', '<svg onload=window.__xss=1>', '<iframe src="javascript:window.__xss=1"></iframe>'];
/** What must be visible where a stored text is shown: the marker, then the first payload, as text. */
const shownAs = (marker: string) => `${marker} ${PAYLOADS[0]}`;
const stored = (marker: string) => `${marker} ${PAYLOADS.join(' ')}`;
const JS_LINKS = '[a javascript link](javascript:window.__xss=1) and [another](JaVaScRiPt:window.__xss=1) and <a href="javascript:window.__xss=1">raw anchor</a>';

const suffix = randomBytes(3).toString('hex');
const M = {
  project: `XPROJ${suffix}`,
  chatProject: `XCHAT${suffix}`,
  guidelines: `XGUIDE${suffix}`,
  label: `XLABEL${suffix}`,
  critiqueLabel: `XCRITLABEL${suffix}`,
  prompt: `XPROMPT${suffix}`,
  chatTurn: `XTURN${suffix}`,
  completion: `XCOMPL${suffix}`,
  critique: `XCRIT${suffix}`,
  flag: `XFLAG${suffix}`,
  rater: `XRATER${suffix}`,
  viewer: `XVIEWER${suffix}`,
};

const rater = { email: `xss-rater-${suffix}@example.test`, password: 'xss rater password', name: stored(M.rater).slice(0, 100) };
const viewer = { email: `xss-viewer-${suffix}@example.test`, password: 'xss viewer password', name: stored(M.viewer).slice(0, 100) };
const ids = { project: 0, chatProject: 0 };

type TaskView = { taskId: number; completions: { id: number }[] };

async function setUp(request: APIRequestContext, e2e: E2EEnvironment) {
  await signInByApi(request, e2e, e2e.adminEmail, e2e.adminPassword);
  await callMutation(request, 'users.create', { ...rater, role: 'annotator' });
  await callMutation(request, 'users.create', { ...viewer, role: 'annotator' });
  const form = {
    questions: [
      { id: 'preference', type: 'pairwise', label: stored(M.label) },
      { id: 'why', type: 'critique', label: stored(M.critiqueLabel) },
    ],
  };
  const guidelines = `# ${stored(M.guidelines)}\n\n${JS_LINKS}\n\n${PAYLOADS.join('\n\n')}`;
  const project = await callMutation<{ id: number }>(request, 'projects.create', { name: stored(M.project), guidelines, form, completionsPerTask: 2, overlap: 1 });
  const chatProject = await callMutation<{ id: number }>(request, 'projects.create', { name: stored(M.chatProject), guidelines, form, completionsPerTask: 2, overlap: 1 });
  ids.project = project.id;
  ids.chatProject = chatProject.id;
  const completions = [`${stored(M.completion)} ${JS_LINKS}`, `${stored(M.completion)} second`];
  const plain = Array.from({ length: 8 }, (_, i) => JSON.stringify({ prompt: `${stored(M.prompt)} ${JS_LINKS} #${i}`, completions }));
  const chat = Array.from({ length: 2 }, (_, i) =>
    JSON.stringify({
      prompt: [
        { role: 'system', content: `${stored(M.chatTurn)} system #${i}` },
        { role: 'user', content: `${stored(M.chatTurn)} ${JS_LINKS} #${i}` },
      ],
      completions,
    }),
  );
  await callMutation(request, 'imports.commit', { projectId: project.id, fileName: 'xss.jsonl', content: plain.join('\n') });
  await callMutation(request, 'imports.commit', { projectId: chatProject.id, fileName: 'xss-chat.jsonl', content: chat.join('\n') });

  // The rater answers one task with a critique and flags another, through the API.
  await signInByApi(request, e2e, rater.email, rater.password);
  const first = await callMutation<TaskView>(request, 'queue.next', { projectId: project.id });
  await callMutation(request, 'annotations.submit', {
    clientId: randomUUID(),
    taskId: first.taskId,
    answer: { preference: { type: 'pairwise', choice: 'A' }, why: { type: 'critique', text: `${stored(M.critique)} ${JS_LINKS}` } },
    timeSpentMs: 2000,
  });
  const second = await callMutation<TaskView>(request, 'queue.next', { projectId: project.id });
  await callMutation(request, 'annotations.flag', { clientId: randomUUID(), taskId: second.taskId, reason: stored(M.flag), timeSpentMs: 500 });
}

/** Installed before any script of the page: a payload that runs sets window.__xss or opens a dialog. */
async function installTripwire(page: Page): Promise<string[]> {
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  await page.addInitScript(() => {
    let hits = 0;
    Object.defineProperty(window, '__xss', {
      configurable: false,
      get: () => hits,
      set: () => {
        hits += 1;
      },
    });
  });
  return dialogs;
}

/** Opens `url`, waits until every marker is on screen, checks that nothing ran, then that the payloads show as text. */
async function visit(page: Page, dialogs: string[], url: string, markers: string[]) {
  await page.goto(url);
  for (const marker of markers) await expect(page.locator('body'), `${url}: ${marker} on screen`).toContainText(marker);
  // Every image on the page has loaded or failed, so an onerror handler (had one reached the DOM) has fired.
  await page.waitForLoadState('load');
  await page.waitForFunction(() => Array.from(document.images).every((image) => image.complete));
  expect(await page.evaluate(() => (window as unknown as { __xss: number }).__xss), `${url}: a payload ran`).toBe(0);
  expect(dialogs, `${url}: a dialog opened`).toEqual([]);
  expect(await page.locator('[href^="javascript:" i], [src^="javascript:" i], [action^="javascript:" i]').count(), `${url}: a javascript: URL in the DOM`).toBe(0);
  expect(await page.locator('img[onerror], svg[onload], script:text("window.__xss")').count(), `${url}: a payload element in the DOM`).toBe(0);
  // Escaped, not dropped: the text a person stored is the text others read.
  for (const marker of markers) await expect(page.locator('body'), `${url}: ${marker} shown as text`).toContainText(shownAs(marker));
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ playwright }) => {
  const e2e = { baseUrl: process.env.E2E_BASE_URL ?? '', adminEmail: process.env.E2E_ADMIN_EMAIL ?? '', adminPassword: process.env.E2E_ADMIN_PASSWORD ?? '', signInLimit: 10 };
  const request = await playwright.request.newContext({ baseURL: e2e.baseUrl });
  await setUp(request, e2e);
  await request.dispose();
});

test('[ANNOTATOR] the project list and the annotate pages (plain and chat prompts) show every payload as text', async ({ page }) => {
  const dialogs = await installTripwire(page);
  await signIn(page, viewer.email, viewer.password, /\/annotate$/);
  await visit(page, dialogs, '/annotate', [M.project, M.chatProject, M.viewer]);
  await visit(page, dialogs, `/annotate/${ids.project}`, [M.project, M.prompt, M.completion, M.guidelines, M.label, M.critiqueLabel]);
  await visit(page, dialogs, `/annotate/${ids.chatProject}`, [M.chatProject, M.chatTurn, M.completion, M.guidelines, M.label]);
});

test('[ANNOTATOR] a rater who flagged and critiqued sees the pages as safely', async ({ page }) => {
  const dialogs = await installTripwire(page);
  await signIn(page, rater.email, rater.password, /\/annotate$/);
  await visit(page, dialogs, '/annotate', [M.project, M.rater]);
  await visit(page, dialogs, `/annotate/${ids.project}`, [M.project, M.prompt, M.completion, M.guidelines]);
});

test('[ADMIN] every admin page and project tab shows every payload as text', async ({ page, e2e }) => {
  test.setTimeout(240_000); // about twenty pages
  const dialogs = await installTripwire(page);
  await signIn(page, e2e.adminEmail, e2e.adminPassword, /\/admin$/);
  await visit(page, dialogs, '/admin', [M.project, M.chatProject]);
  await visit(page, dialogs, '/admin/users', [M.rater, M.viewer]);
  await visit(page, dialogs, '/admin/workers', []);
  await visit(page, dialogs, '/admin/projects/new', []);
  const expectedByTab: Record<string, string[]> = {
    overview: [M.project, M.rater],
    annotations: [M.project, M.rater, M.flag],
    flagged: [M.project, M.flag, M.rater],
  };
  for (const tab of PROJECT_TABS) await visit(page, dialogs, `/admin/projects/${ids.project}?tab=${tab}`, expectedByTab[tab] ?? [M.project]);
  for (const tab of PROJECT_TABS) await visit(page, dialogs, `/admin/projects/${ids.chatProject}?tab=${tab}`, [M.chatProject]);
  // The rater's own annotate page, opened by the admin.
  await visit(page, dialogs, `/annotate/${ids.project}`, [M.project, M.prompt, M.completion, M.guidelines, M.label]);
});
