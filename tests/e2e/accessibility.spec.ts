/**
 * An automated accessibility check (axe-core, the engine behind Lighthouse's audit) over every page,
 * for each role that can see it, in the light and the dark theme: no serious or critical violation
 * (contrast below WCAG AA, controls without a name, images without text, broken ARIA...).
 *
 * The data: an annotator and one project per kind of rating form (pairwise, Likert, thumbs,
 * ranking, and a custom form with attributes, critique and an edited answer), each with a few
 * tasks, and one submitted and one flagged answer so the admin's tables and the review queue are
 * not empty; a reviewer; a "team" project whose tasks three raters answered (the Quality tab's
 * agreement, heatmap, position bias and consensus), with a gold task that two of them, the
 * annotator included, got wrong (the Gold tab's accuracy table with pauses; the annotator's paused
 * panel); and an arena between two versions (the Training tab's leaderboard, matrix and chart).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { APIRequestContext, Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { test, expect, signIn, signInByApi, callMutation } from './fixtures';
import { insertArena, insertPairwiseAnswers, insertRaters, type PairwiseChoice } from './seed-answers';

const suffix = randomBytes(3).toString('hex');
const annotator = { email: `a11y-${suffix}@example.test`, password: 'annotator password 1' };
const reviewer = { email: `a11y-reviewer-${suffix}@example.test`, password: 'reviewer password 1' };
/** The team project (Quality, Gold, the paused panel) and the arena project (Training). */
const teamProject = { id: 0, goldTaskId: 0 };
const arenaProject = { id: 0, versionIds: [0, 0] };

const FORMS = {
  pairwise: { k: 2, form: { questions: [{ id: 'preference', type: 'pairwise', label: 'Which response is better?', withStrength: true }] } },
  likert: { k: 2, form: { questions: [{ id: 'quality', type: 'likert', label: 'How good is this response?', min: 1, max: 5, labels: { '1': 'Useless', '5': 'Perfect' } }] } },
  thumbs: { k: 1, form: { questions: [{ id: 'thumbs', type: 'thumbs', label: 'Is this response acceptable?' }] } },
  ranking: { k: 3, form: { questions: [{ id: 'ranking', type: 'ranking', label: 'Rank the responses' }] } },
  custom: {
    k: 2,
    form: {
      questions: [
        {
          id: 'scores',
          type: 'attributes',
          label: 'Rate each response',
          attributes: [
            { name: 'helpful', label: 'Helpful' },
            { name: 'honest', label: 'Honest' },
          ],
        },
        { id: 'critique', type: 'critique', label: 'What could be better?' },
        { id: 'ideal', type: 'edit', label: 'Write the ideal answer' },
      ],
    },
  },
} as const;
type FormKind = keyof typeof FORMS;
const projectIds = {} as Record<FormKind, number>;

const GUIDELINES = '# How to judge\n\nPrefer the **more helpful** answer. See [the style guide](https://example.com/style).\n\n- Be fair\n- Flag anything unreadable\n\n```\ncode sample\n```';

test.beforeAll(async ({ playwright, database }) => {
  test.setTimeout(120_000);
  const e2e = { baseUrl: process.env.E2E_BASE_URL ?? '', adminEmail: process.env.E2E_ADMIN_EMAIL ?? '', adminPassword: process.env.E2E_ADMIN_PASSWORD ?? '', signInLimit: 10 };
  const admin = await playwright.request.newContext({ baseURL: e2e.baseUrl });
  await signInByApi(admin, e2e, e2e.adminEmail, e2e.adminPassword);
  await callMutation(admin, 'users.create', { ...annotator, name: 'Alex Access', role: 'annotator' });
  await callMutation(admin, 'users.create', { ...reviewer, name: 'Robin Review', role: 'reviewer' });
  for (const [kind, { k, form }] of Object.entries(FORMS) as [FormKind, (typeof FORMS)[FormKind]][]) {
    const project = await callMutation<{ id: number }>(admin, 'projects.create', { name: `A11y ${kind} ${suffix}`, guidelines: GUIDELINES, form, completionsPerTask: k });
    projectIds[kind] = project.id;
    const lines = [1, 2, 3, 4, 5].map((n) =>
      JSON.stringify({
        prompt: `${kind} prompt ${n}: explain **recursion** to a child.`,
        completions: Array.from({ length: k }, (_, c) => `${kind} answer ${n}.${c + 1}: a function that calls itself.`),
      }),
    );
    await callMutation(admin, 'imports.commit', { projectId: project.id, fileName: 'tasks.jsonl', content: `${lines.join('\n')}\n` });
  }
  await seedTeamProject(admin, database);
  arenaProject.id = (await callMutation<{ id: number }>(admin, 'projects.create', { name: `A11y arena ${suffix}`, form: FORMS.pairwise.form, completionsPerTask: 2 })).id;
  const { rows: admins } = await database.query<{ id: string }>(`SELECT id FROM "user" WHERE email = $1`, [e2e.adminEmail]);
  arenaProject.versionIds = await insertArena(database, { projectId: arenaProject.id, voterId: admins[0].id, votes: 8, firstWins: 6, label: `a11y-${suffix}` });
  await admin.dispose();

  // One submitted and one flagged pairwise answer, so the annotations and flagged tabs have rows.
  const rater = await playwright.request.newContext({ baseURL: e2e.baseUrl });
  await signInByApi(rater, e2e, annotator.email, annotator.password);
  await rateOnce(rater, projectIds.pairwise, 'submit');
  await rateOnce(rater, projectIds.pairwise, 'flag');
  await rater.dispose();
});

/**
 * Six pairwise tasks, three raters on each regular one (agreeing on most), and a gold task (expected
 * A) that one rater got right and one rater and the annotator got wrong: with one gold answer
 * enough to judge, both are paused in this project.
 */
async function seedTeamProject(admin: APIRequestContext, database: pg.Client) {
  teamProject.id = (
    await callMutation<{ id: number }>(admin, 'projects.create', { name: `A11y team ${suffix}`, guidelines: GUIDELINES, form: FORMS.pairwise.form, completionsPerTask: 2, overlap: 3 })
  ).id;
  const lines = [1, 2, 3, 4, 5, 6].map((n) => JSON.stringify({ prompt: `Team question ${n}: which answer is kinder?`, completions: [`Kind answer ${n}`, `Curt answer ${n}`] }));
  await callMutation(admin, 'imports.commit', { projectId: teamProject.id, fileName: 'team.jsonl', content: lines.join('\n') });
  const tasks = (await database.query<{ id: number }>(`SELECT id FROM "Task" WHERE "projectId" = $1 ORDER BY id`, [teamProject.id])).rows.map((r) => r.id);
  teamProject.goldTaskId = tasks[0];
  await callMutation(admin, 'gold.mark', { projectId: teamProject.id, taskId: teamProject.goldTaskId, expected: { preference: { type: 'pairwise', choice: 'A' } } });
  await callMutation(admin, 'gold.updateSettings', { projectId: teamProject.id, mixRate: 0.1, accuracyThreshold: 0.8, minGoldAnswers: 1 });
  const raters = ['quinn', 'rhea', 'sami'].map((name) => ({ id: `a11y-${name}-${suffix}`, name: `${name[0].toUpperCase()}${name.slice(1)} Rater` }));
  await insertRaters(database, raters);
  const { rows: annotators } = await database.query<{ id: string }>(`SELECT id FROM "user" WHERE email = $1`, [annotator.email]);
  const choices: PairwiseChoice[][] = [
    ['A', 'A', 'A'],
    ['A', 'A', 'B'],
    ['B', 'B', 'B'],
    ['A', 'B', 'tie'],
    ['B', 'B', 'A'],
  ];
  const answers = choices.flatMap((row, t) => row.map((choice, r) => ({ taskId: tasks[t + 1], userId: raters[r].id, choice, timeSpentMs: 3000 + 1000 * (t + r) })));
  answers.push(
    { taskId: teamProject.goldTaskId, userId: raters[0].id, choice: 'A', timeSpentMs: 6000 },
    { taskId: teamProject.goldTaskId, userId: raters[1].id, choice: 'B', timeSpentMs: 5000 },
    { taskId: teamProject.goldTaskId, userId: annotators[0].id, choice: 'B', timeSpentMs: 4000 },
  );
  await insertPairwiseAnswers(database, teamProject.id, answers);
}

async function rateOnce(request: APIRequestContext, projectId: number, action: 'submit' | 'flag') {
  const task = await callMutation<{ taskId: number } | null>(request, 'queue.next', { projectId });
  if (!task) throw new Error('no task to rate');
  if (action === 'submit') {
    await callMutation(request, 'annotations.submit', { clientId: randomUUID(), taskId: task.taskId, answer: { preference: { type: 'pairwise', choice: 'A', strength: 2 } }, timeSpentMs: 4200 });
  } else {
    await callMutation(request, 'annotations.flag', { clientId: randomUUID(), taskId: task.taskId, reason: 'Both answers are cut off', timeSpentMs: 3100 });
  }
}

type Visit = { name: string; path: () => string; ready?: (page: Page) => Promise<void>; then?: (page: Page) => Promise<void> };

const heading = (name: string | RegExp) => async (page: Page) => {
  await expect(page.getByRole('heading', { name }).first()).toBeVisible();
};
const task = async (page: Page) => {
  await expect(page.getByTestId('task-prompt')).toBeVisible();
};

const ratingPages: Visit[] = (Object.keys(FORMS) as FormKind[]).map((kind) => ({ name: `rating page (${kind})`, path: () => `/annotate/${projectIds[kind]}`, ready: task }));
const shortcutsHelp: Visit = {
  name: 'rating page with the shortcuts help open',
  path: () => `/annotate/${projectIds.pairwise}`,
  ready: task,
  then: async (page) => {
    await page.keyboard.press('?');
    await expect(page.getByTestId('shortcuts-help')).toBeVisible();
  },
};
const flagDialog: Visit = {
  name: 'rating page with the flag dialog open',
  path: () => `/annotate/${projectIds.likert}`,
  ready: task,
  then: async (page) => {
    await page.keyboard.press('f');
    await page.getByTestId('flag-reason').fill('The prompt is cut off');
    await expect(page.getByTestId('flag-confirm')).toBeEnabled();
  },
};
const notFound: Visit = { name: '404 page', path: () => '/admin/projects/999999', ready: heading('Page not found') };
const pausedPanel: Visit = {
  name: 'rating page, paused for low gold accuracy',
  path: () => `/annotate/${teamProject.id}`,
  ready: async (page) => expect(page.getByTestId('paused-panel')).toBeVisible(),
};
/** The review queue on the pairwise project, where the annotator's submitted answer waits. */
const reviewQueue: Visit = {
  name: 'review queue',
  path: () => '/review',
  ready: async (page) => {
    await page.getByTestId('review-project').selectOption(String(projectIds.pairwise));
    await expect(page.getByTestId('review-item')).toBeVisible();
    await expect(page.getByTestId('review-answer')).toContainText('A is better');
  },
};
const reviewReject: Visit = {
  ...reviewQueue,
  name: 'review queue, rejecting with a reason',
  then: async (page) => {
    await page.getByTestId('review-reject').click();
    await expect(page.getByTestId('review-reason')).toBeVisible();
  },
};
const projectTab = (tab: string, projectId: () => number, ready: (page: Page) => Promise<void>, name = `project ${tab} tab`): Visit => ({
  name,
  path: () => `/admin/projects/${projectId()}?tab=${tab}`,
  ready: async (page) => {
    await expect(page.getByTestId(`project-tab-${tab}`)).toHaveAttribute('aria-selected', 'true');
    await ready(page);
  },
});
const teamTabs: Visit[] = [
  projectTab(
    'gold',
    () => teamProject.id,
    async (page) => {
      await expect(page.getByTestId(`gold-task-${teamProject.goldTaskId}`)).toBeVisible();
      await expect(page.getByTestId('gold-accuracy-Alex Access')).toContainText('paused');
    },
    'project gold tab (gold task, accuracy, pauses)',
  ),
  projectTab(
    'quality',
    () => teamProject.id,
    async (page) => {
      await expect(page.getByTestId('kappa-heatmap')).toBeVisible();
      await expect(page.getByTestId('annotator-quality-table')).toBeVisible();
      await expect(page.getByTestId('position-bias-project')).toBeVisible();
      await expect(page.getByTestId('consensus-summary')).toBeVisible();
    },
    'project quality tab (three raters)',
  ),
  projectTab(
    'training',
    () => arenaProject.id,
    async (page) => {
      await expect(page.getByTestId('arena-leaderboard')).toBeVisible();
      await expect(page.getByTestId('arena-matrix')).toBeVisible();
      await expect(page.getByTestId('arena-ci-chart')).toBeVisible();
    },
    'project training tab (arena)',
  ),
  {
    ...projectTab(
      'training',
      () => arenaProject.id,
      async (page) => expect(page.getByTestId('arena-leaderboard')).toBeVisible(),
    ),
    name: 'project training tab with the promote dialog open',
    then: async (page) => {
      await page.getByTestId(`promote-${arenaProject.versionIds[0]}`).click();
      await expect(page.getByTestId('promote-dialog')).toBeVisible();
    },
  },
];

const VISITS: Record<'anonymous' | 'annotator' | 'reviewer' | 'admin', Visit[]> = {
  anonymous: [
    { name: 'sign-in', path: () => '/login', ready: heading('Sign in') },
    { name: '404 page', path: () => '/no-such-page', ready: heading('Page not found') },
  ],
  annotator: [
    { name: 'annotator home', path: () => '/annotate', ready: heading('Annotate') },
    ...ratingPages,
    shortcutsHelp,
    flagDialog,
    pausedPanel,
    { name: '404 page', path: () => '/annotate/999999', ready: heading('Page not found') },
    { name: 'not-allowed page', path: () => '/admin', ready: heading('Not allowed') },
    { name: 'not-allowed page (review)', path: () => '/review', ready: heading('Not allowed') },
  ],
  reviewer: [reviewQueue, reviewReject, { name: 'not-allowed page', path: () => '/admin', ready: heading('Not allowed') }],
  admin: [
    { name: 'projects list', path: () => '/admin', ready: heading('Projects') },
    { name: 'new project', path: () => '/admin/projects/new', ready: async (page) => expect(page.getByTestId('project-name')).toBeVisible() },
    ...['overview', 'import', 'annotations', 'flagged', 'training', 'datasets', 'settings'].map(
      (tab): Visit => ({
        name: `project ${tab} tab`,
        path: () => `/admin/projects/${projectIds.pairwise}?tab=${tab}`,
        ready: async (page) => expect(page.getByTestId(`project-tab-${tab}`)).toHaveAttribute('aria-selected', 'true'),
      }),
    ),
    ...teamTabs,
    { name: 'project overview (Likert)', path: () => `/admin/projects/${projectIds.likert}`, ready: async (page) => expect(page.getByTestId('project-tab-overview')).toBeVisible() },
    { name: 'users', path: () => '/admin/users', ready: async (page) => expect(page.getByTestId(`user-row-${annotator.email}`)).toBeVisible() },
    { name: 'workers', path: () => '/admin/workers', ready: async (page) => expect(page.locator('main')).toBeVisible() },
    { name: 'API keys', path: () => '/admin/api-keys', ready: async (page) => expect(page.locator('main')).toBeVisible() },
    { name: 'annotate home', path: () => '/annotate', ready: heading('Annotate') },
    ratingPages[0],
    reviewQueue,
    notFound,
  ],
};

/** Runs axe on the page as it is; returns its serious and critical violations, one readable line per rule. */
async function findSeriousViolations(page: Page, pageName: string): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => {
      const nodes = violation.nodes
        .slice(0, 4)
        .map((node) => `${node.target.join(' ')} — ${(node.failureSummary ?? '').replace(/\s+/g, ' ').slice(0, 200)}`)
        .join('\n      ');
      return `${pageName}: ${violation.id} (${violation.impact}, ${violation.nodes.length} element(s)): ${violation.help}\n      ${nodes}`;
    });
}

for (const role of ['anonymous', 'annotator', 'reviewer', 'admin'] as const) {
  for (const theme of ['light', 'dark'] as const) {
    test(`[${role.toUpperCase()}] every page has no serious or critical accessibility violation in the ${theme} theme`, async ({ page, e2e }) => {
      test.setTimeout(240_000);
      await page.emulateMedia({ colorScheme: theme });
      if (role === 'admin') await signIn(page, e2e.adminEmail, e2e.adminPassword, /\/admin$/);
      if (role === 'annotator') await signIn(page, annotator.email, annotator.password, /\/annotate$/);
      if (role === 'reviewer') await signIn(page, reviewer.email, reviewer.password, /\/review$/);
      const violations: string[] = [];
      for (const visit of VISITS[role]) {
        await test.step(visit.name, async () => {
          await page.goto(visit.path());
          await visit.ready?.(page);
          // Let queries settle (some pages poll, so idle may never come: wait a bounded time).
          await page.waitForLoadState('networkidle', { timeout: 5_000 }).catch(() => {});
          await expect(page.locator('html')).toHaveClass(theme === 'dark' ? /\bdark\b/ : /^(?!.*\bdark\b)/);
          await visit.then?.(page);
          violations.push(...(await findSeriousViolations(page, visit.name)));
        });
      }
      expect(violations, violations.join('\n')).toEqual([]);
    });
  }
}
