/**
 * What every spec uses: the app's address, a `pg` connection to its database (specs check what
 * the UI did by reading the rows), and sign-in through the real login page.
 *
 * Each test's browser context sends its own X-Forwarded-For address, so the sign-in rate limit
 * (per address) of one test never blocks another.
 */
import { randomInt } from 'node:crypto';
import pg from 'pg';
import { test as base, expect, type APIRequestContext, type Page } from '@playwright/test';

export type E2EEnvironment = { baseUrl: string; adminEmail: string; adminPassword: string; signInLimit: number };

function readEnvironment(): E2EEnvironment {
  const { E2E_BASE_URL, E2E_ADMIN_EMAIL, E2E_ADMIN_PASSWORD, E2E_SIGNIN_LIMIT } = process.env;
  if (!E2E_BASE_URL || !E2E_ADMIN_EMAIL || !E2E_ADMIN_PASSWORD) throw new Error('E2E_* variables missing: run through `npx playwright test` (global setup starts the server)');
  return { baseUrl: E2E_BASE_URL, adminEmail: E2E_ADMIN_EMAIL, adminPassword: E2E_ADMIN_PASSWORD, signInLimit: Number(E2E_SIGNIN_LIMIT ?? 10) };
}

export const test = base.extend<{ e2e: E2EEnvironment; clientAddress: string }, { database: pg.Client }>({
  e2e: async ({}, use) => use(readEnvironment()),
  baseURL: async ({}, use) => use(readEnvironment().baseUrl),
  clientAddress: async ({}, use) => use(`10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`),
  extraHTTPHeaders: async ({ clientAddress }, use) => use({ 'x-forwarded-for': clientAddress }),
  database: [
    async ({}, use) => {
      const url = process.env.E2E_DATABASE_URL;
      if (!url) throw new Error('E2E_DATABASE_URL missing');
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await use(client);
      await client.end();
    },
    { scope: 'worker' },
  ],
});

export { expect };

/** Signs in through the login page and waits for the role's home page. */
export async function signIn(page: Page, email: string, password: string, expectedPath: RegExp) {
  await page.goto('/login');
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  await expect(page).toHaveURL(expectedPath);
}

/** Signs in through the auth API, without a page: `request` then carries the session cookie. */
export async function signInByApi(request: APIRequestContext, e2e: E2EEnvironment, email: string, password: string) {
  const response = await request.post('/api/auth/sign-in/email', { data: { email, password }, headers: { origin: e2e.baseUrl } });
  expect(response.status(), await response.text()).toBe(200);
}

/** Calls a tRPC mutation (superjson envelope) as whoever `request` is signed in as; returns its output. */
export async function callMutation<T>(request: APIRequestContext, procedure: string, input: unknown): Promise<T> {
  const response = await request.post(`/api/trpc/${procedure}`, { data: { json: input } });
  const text = await response.text();
  if (!response.ok()) throw new Error(`${procedure} answered ${response.status()}: ${text}`);
  return (JSON.parse(text) as { result: { data: { json: T } } }).result.data.json;
}
