/**
 * A signed-in annotator who opens an admin page gets a clear "not allowed" page (HTTP 403) with a
 * link back to their work, not the sign-in page; a visitor who is not signed in still gets the
 * sign-in page.
 */
import { randomBytes } from 'node:crypto';
import { test, expect, signIn, signInByApi, callMutation } from './fixtures';

const annotator = { email: `not-allowed-${randomBytes(3).toString('hex')}@example.test`, password: 'annotator password 1' };
let projectId = 0;

test.beforeAll(async ({ playwright }) => {
  // Test-scoped fixtures are not available here: the environment global setup exported is.
  const e2e = { baseUrl: process.env.E2E_BASE_URL ?? '', adminEmail: process.env.E2E_ADMIN_EMAIL ?? '', adminPassword: process.env.E2E_ADMIN_PASSWORD ?? '', signInLimit: 10 };
  const request = await playwright.request.newContext({ baseURL: e2e.baseUrl });
  await signInByApi(request, e2e, e2e.adminEmail, e2e.adminPassword);
  await callMutation(request, 'users.create', { ...annotator, name: 'Nora Notadmin', role: 'annotator' });
  const form = { questions: [{ id: 'preference', type: 'pairwise', label: 'Which is better?' }] };
  projectId = (await callMutation<{ id: number }>(request, 'projects.create', { name: `Not allowed ${annotator.email}`, form, completionsPerTask: 2 })).id;
  await request.dispose();
});

for (const path of ['/admin', '/admin/users', '/admin/workers', () => `/admin/projects/${projectId}`, '/admin/projects/new']) {
  const label = typeof path === 'string' ? path : '/admin/projects/<id>';
  test(`[ANNOTATOR] ${label} answers 403 with the not-allowed page and a link back to annotating`, async ({ page }) => {
    await signIn(page, annotator.email, annotator.password, /\/annotate$/);
    const url = typeof path === 'string' ? path : path();
    const response = await page.goto(url);
    expect(response?.status()).toBe(403);
    await expect(page).toHaveURL(new RegExp(`${url.replace(/\//g, '\\/')}$`));
    await expect(page.getByRole('heading', { name: 'Not allowed' })).toBeVisible();
    await expect(page.getByTestId('not-allowed')).toContainText(`signed in as ${annotator.email}`);
    await expect(page.getByTestId('login-email')).toHaveCount(0);
    // Nothing of the admin page leaks into the answer.
    await expect(page.getByTestId('nav-users')).toHaveCount(0);

    await page.getByTestId('not-allowed-home').click();
    await expect(page).toHaveURL(/\/annotate$/);
  });
}

test('[ANONYMOUS] admin pages still send visitors to the sign-in page', async ({ page }) => {
  for (const url of ['/admin', '/admin/users', `/admin/projects/${projectId}`]) {
    await page.goto(url);
    await expect(page).toHaveURL(/\/login/);
    await expect(page.getByTestId('login-email')).toBeVisible();
  }
});

test('[ADMIN] admin pages open as before', async ({ page, e2e }) => {
  await signIn(page, e2e.adminEmail, e2e.adminPassword, /\/admin$/);
  const response = await page.goto('/admin/users');
  expect(response?.status()).toBe(200);
  await expect(page.getByTestId('not-allowed')).toHaveCount(0);
});
