/** Sign-in: role redirects, protected pages, session cookie attributes, the rate limit. */
import { test, expect, signIn } from './fixtures';

test('[ANONYMOUS] protected pages send visitors to the login page', async ({ page }) => {
  await page.goto('/annotate');
  await expect(page).toHaveURL(/\/login/);
  await page.goto('/admin');
  await expect(page).toHaveURL(/\/login/);
  await page.goto('/');
  await expect(page).toHaveURL(/\/login/);
});

test('[ADMIN] the session cookie is HttpOnly and SameSite; sign-out ends the session', async ({ page, context, e2e }) => {
  await signIn(page, e2e.adminEmail, e2e.adminPassword, /\/admin$/);
  const sessionCookies = (await context.cookies()).filter((cookie) => cookie.name.includes('session_token'));
  expect(sessionCookies.length).toBeGreaterThan(0);
  for (const cookie of sessionCookies) {
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe('Lax');
  }
  // Scripts on the page cannot read it.
  expect(await page.evaluate(() => document.cookie)).not.toContain('session_token');

  await page.getByTestId('nav-signout').click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto('/admin');
  await expect(page).toHaveURL(/\/login/);
});

test('[ANONYMOUS] a wrong password says so; too many attempts are refused for a minute', async ({ page, e2e }) => {
  await page.goto('/login');
  /** One sign-in through the form; returns the HTTP status the auth endpoint answered. */
  const attempt = async (password: string) => {
    await page.getByTestId('login-email').fill(e2e.adminEmail);
    await page.getByTestId('login-password').fill(password);
    const response = page.waitForResponse((r) => r.url().includes('/api/auth/sign-in/email'));
    await page.getByTestId('login-submit').click();
    const status = (await response).status();
    await expect(page.getByTestId('login-submit')).toBeEnabled();
    return status;
  };
  expect(await attempt('not the password')).toBe(401);
  await expect(page.getByTestId('login-error')).toHaveText('Wrong email or password');
  for (let i = 1; i < e2e.signInLimit; i++) expect(await attempt('not the password')).toBe(401);
  // Over the limit: refused even with the right password, from this address.
  expect(await attempt(e2e.adminPassword)).toBe(429);
  await expect(page.getByTestId('login-error')).toHaveText('Too many attempts, wait a minute');
  await expect(page).toHaveURL(/\/login/);
});
