/**
 * The app shell as people use it on any screen: the header fits a 390 px phone and an 800 px
 * tablet (Sign out reachable and wholly on screen), the guidelines open as a drawer below 1024 px,
 * first loads log no errors and fetch nothing that is missing (the favicon), unknown project ids
 * answer a real 404 page, and the new-project form speaks in sentences and forgets an error once
 * it is fixed.
 *
 * The "not allowed" page for an annotator on /admin is covered by not-allowed.spec.ts.
 */
import { randomBytes } from 'node:crypto';
import type { Page } from '@playwright/test';
import { test, expect, signIn, signInByApi, callMutation } from './fixtures';

const suffix = randomBytes(3).toString('hex');
const annotator = { email: `shell-${suffix}@example.test`, password: 'annotator password 1' };
const GUIDELINES = `# Judge helpfulness ${suffix}\n\nPrefer the answer that solves the task.`;
let projectId = 0;

test.beforeAll(async ({ playwright }) => {
  const e2e = { baseUrl: process.env.E2E_BASE_URL ?? '', adminEmail: process.env.E2E_ADMIN_EMAIL ?? '', adminPassword: process.env.E2E_ADMIN_PASSWORD ?? '', signInLimit: 10 };
  const request = await playwright.request.newContext({ baseURL: e2e.baseUrl });
  await signInByApi(request, e2e, e2e.adminEmail, e2e.adminPassword);
  await callMutation(request, 'users.create', { ...annotator, name: 'Sheila Shell', role: 'annotator' });
  const form = { questions: [{ id: 'preference', type: 'pairwise', label: 'Which response is better?' }] };
  projectId = (await callMutation<{ id: number }>(request, 'projects.create', { name: `Shell ${suffix}`, guidelines: GUIDELINES, form, completionsPerTask: 2 })).id;
  const lines = [1, 2, 3].map((n) => JSON.stringify({ prompt: `Shell prompt ${n}`, completions: [`Answer ${n}.1`, `Answer ${n}.2`] }));
  await callMutation(request, 'imports.commit', { projectId, fileName: 'tasks.jsonl', content: `${lines.join('\n')}\n` });
  await request.dispose();
});

/** The element's box lies wholly inside the viewport (not cut off on either side). */
async function expectFullyOnScreen(page: Page, testId: string) {
  const box = await page.getByTestId(testId).boundingBox();
  const viewport = page.viewportSize();
  expect(box, `${testId} has a box`).not.toBeNull();
  if (!box || !viewport) return;
  expect(box.x, `${testId} left edge`).toBeGreaterThanOrEqual(0);
  expect(box.y, `${testId} top edge`).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width, `${testId} right edge`).toBeLessThanOrEqual(viewport.width);
  expect(box.y + box.height, `${testId} bottom edge`).toBeLessThanOrEqual(viewport.height);
}

/** Nothing on the page is wider than the window (no sideways scrolling). */
async function expectNoHorizontalOverflow(page: Page) {
  const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  expect(widths.scroll).toBeLessThanOrEqual(widths.client);
}

for (const width of [390, 800]) {
  test(`[ANNOTATOR] at ${width} px the header fits, Sign out is reachable, and the guidelines open as a drawer`, async ({ page }) => {
    await page.setViewportSize({ width, height: 844 });
    await signIn(page, annotator.email, annotator.password, /\/annotate$/);
    await page.goto(`/annotate/${projectId}`);
    await expect(page.getByTestId('task-prompt')).toBeVisible();
    await expectNoHorizontalOverflow(page);

    // The header folds into a menu; opened, every control in it is wholly on screen.
    await expect(page.getByTestId('nav-signout')).toBeHidden();
    await page.getByTestId('header-menu-button').click();
    for (const id of ['nav-annotate', 'nav-user', 'theme-switch', 'nav-signout']) await expectFullyOnScreen(page, id);
    await expect(page.getByTestId('nav-user')).toContainText('Sheila Shell');
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('nav-signout')).toBeHidden();

    // Guidelines: closed at first (the drawer would cover the task), then G opens the drawer with the text.
    const drawer = page.getByTestId('guidelines-drawer');
    await expect(drawer).toHaveCount(0);
    await page.keyboard.press('g');
    await expect(drawer).toBeVisible();
    await expect(drawer.getByRole('heading', { name: `Judge helpfulness ${suffix}` })).toBeVisible();
    await expect(drawer.getByText('Prefer the answer that solves the task.')).toBeVisible();
    await expectFullyOnScreen(page, 'guidelines-drawer-close');
    await page.keyboard.press('Escape');
    await expect(drawer).toHaveCount(0);

    // The Guidelines button opens it too; the close button folds it.
    await page.getByRole('button', { name: /^Guidelines/ }).click();
    await expect(drawer).toBeVisible();
    await page.getByTestId('guidelines-drawer-close').click();
    await expect(drawer).toHaveCount(0);

    // Sign out from the menu works.
    await page.getByTestId('header-menu-button').click();
    await page.getByTestId('nav-signout').click();
    await expect(page).toHaveURL(/\/login$/);
  });
}

test('[ADMIN] at 390 px every admin link and Sign out are reachable in the menu', async ({ page, e2e }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, e2e.adminEmail, e2e.adminPassword, /\/admin$/);
  await expectNoHorizontalOverflow(page);
  await page.getByTestId('header-menu-button').click();
  for (const id of ['nav-projects', 'nav-users', 'nav-workers', 'nav-annotate', 'theme-switch', 'nav-signout']) await expectFullyOnScreen(page, id);
  await page.getByTestId('nav-users').click();
  await expect(page).toHaveURL(/\/admin\/users$/);
  // Following a link folds the menu.
  await expect(page.getByTestId('nav-signout')).toBeHidden();
});

test('[ANNOTATOR] at 1440 px the guidelines sit beside the task and G hides and shows them', async ({ page }) => {
  await signIn(page, annotator.email, annotator.password, /\/annotate$/);
  await page.goto(`/annotate/${projectId}`);
  const panel = page.getByTestId('guidelines-panel');
  await expect(panel).toBeVisible();
  await expect(panel).toContainText('Prefer the answer that solves the task.');
  // The drawer is for narrow screens only.
  await expect(page.getByTestId('guidelines-drawer')).toBeHidden();
  await page.keyboard.press('g');
  await expect(panel).toHaveCount(0);
  await page.keyboard.press('g');
  await expect(panel).toBeVisible();
});

/** Collects console errors and failed responses (4xx/5xx) while `run` loads pages. */
async function collectProblems(page: Page, run: () => Promise<void>) {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
  });
  await run();
  return problems;
}

test('[ANONYMOUS] the first load of /login logs no error and fetches nothing missing (the favicon is there)', async ({ page, request }) => {
  const problems = await collectProblems(page, async () => {
    await page.goto('/login');
    await expect(page.getByTestId('login-email')).toBeVisible();
    await page.waitForLoadState('networkidle');
  });
  expect(problems).toEqual([]);
  const iconHref = await page.locator('link[rel="icon"]').first().getAttribute('href');
  expect(iconHref).toMatch(/^\/icon\.svg/);
  const icon = await request.get(iconHref ?? '/icon.svg');
  expect(icon.status()).toBe(200);
  expect(icon.headers()['content-type']).toContain('image/svg+xml');
});

test('[ANNOTATOR] the first load of the rating page logs no error and fetches nothing missing', async ({ page }) => {
  await signIn(page, annotator.email, annotator.password, /\/annotate$/);
  const problems = await collectProblems(page, async () => {
    await page.goto(`/annotate/${projectId}`);
    await expect(page.getByTestId('task-prompt')).toBeVisible();
    await page.waitForLoadState('networkidle');
  });
  expect(problems).toEqual([]);
});

test('[ANNOTATOR] an unknown project answers 404 with a page that says so and links back', async ({ page }) => {
  await signIn(page, annotator.email, annotator.password, /\/annotate$/);
  const response = await page.goto('/annotate/999999');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await expect(page.getByTestId('not-found')).toContainText('There is nothing at this address.');
  await page.getByTestId('not-found-home').click();
  await expect(page).toHaveURL(/\/annotate$/);
});

test('[ADMIN] an unknown project id and an unknown address answer 404 with the page', async ({ page, e2e }) => {
  await signIn(page, e2e.adminEmail, e2e.adminPassword, /\/admin$/);
  for (const url of ['/admin/projects/999999', '/admin/projects/999999?tab=settings', '/annotate/999999', '/no-such-page']) {
    const response = await page.goto(url);
    expect(response?.status(), url).toBe(404);
    await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
    await expect(page.getByTestId('not-found-home')).toHaveText('Back to projects');
  }
  await page.getByTestId('not-found-home').click();
  await expect(page).toHaveURL(/\/admin$/);
});

test('[ADMIN] the new-project form says what is wrong in words, and the error goes once it is fixed', async ({ page, e2e }) => {
  await signIn(page, e2e.adminEmail, e2e.adminPassword, /\/admin$/);
  await page.goto('/admin/projects/new');
  const error = page.getByTestId('project-create-error');

  await page.getByTestId('project-create-submit').click();
  await expect(error).toBeVisible();
  await expect(error).toContainText('Give the project a name');
  await expect(error).not.toContainText('Too small');

  await page.getByTestId('project-name').fill(`Fixed ${suffix}`);
  await expect(error).toHaveCount(0);

  // Another mistake: overlap out of range, in words; fixed, it goes too.
  await page.getByTestId('project-overlap').fill('50');
  await page.getByTestId('project-create-submit').click();
  await expect(error).toContainText('Overlap must be a whole number of annotators from 1 to 20');
  await page.getByTestId('project-overlap').fill('2');
  await expect(error).toHaveCount(0);

  await page.getByTestId('project-create-submit').click();
  await expect(page).toHaveURL(/\/admin\/projects\/\d+\?tab=import$/);
});

test('[ADMIN] creating an account with a short password says so in words', async ({ page, e2e }) => {
  await signIn(page, e2e.adminEmail, e2e.adminPassword, /\/admin$/);
  await page.goto('/admin/users');
  await page.getByTestId('user-create-email').fill(`short-${suffix}@example.test`);
  await page.getByTestId('user-create-name').fill('Shorty');
  await page.getByTestId('user-create-password').fill('abc');
  await page.getByTestId('user-create-submit').click();
  const error = page.getByTestId('user-create-error');
  await expect(error).toContainText('The password needs at least 8 characters');
  await expect(error).not.toContainText('password:');
});
