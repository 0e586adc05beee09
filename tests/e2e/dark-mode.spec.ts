/**
 * Dark mode follows the system setting (prefers-color-scheme), and the header's switch
 * (System / Light / Dark) overrides it and is remembered across reloads. The theme is set by an
 * inline script before the page paints, so it holds even before (or without) React.
 *
 * Colours are read from computed styles and judged by their relative luminance (WCAG 2.x), so the
 * test does not depend on the palette's exact values.
 */
import { randomBytes } from 'node:crypto';
import type { Page } from '@playwright/test';
import { test, expect, signIn, signInByApi, callMutation } from './fixtures';

/** WCAG relative luminance of a computed CSS colour (`rgb(...)`, `oklch(...)` is resolved by the canvas). */
async function luminanceOf(page: Page, selector: string, property: 'backgroundColor' | 'color'): Promise<number> {
  return page.evaluate(
    ([sel, prop]) => {
      const element = document.querySelector(sel);
      if (!element) throw new Error(`no ${sel}`);
      const value = getComputedStyle(element)[prop as 'color'];
      // Let the browser turn any colour syntax into sRGB bytes.
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = 1;
      const context = canvas.getContext('2d');
      if (!context) throw new Error('no 2d context');
      context.fillStyle = value;
      context.fillRect(0, 0, 1, 1);
      const [r, g, b] = Array.from(context.getImageData(0, 0, 1, 1).data).map((byte) => {
        const c = byte / 255;
        return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    },
    [selector, property] as const,
  );
}

/**
 * The luminance of the page's background alone, and seen through a dialog's overlay (its colour,
 * with its alpha, painted over the background): an overlay that dims gives a lower second number.
 * `pseudo` reads a native <dialog>'s ::backdrop.
 */
async function overlayLuminance(page: Page, selector: string, pseudo: '::backdrop' | null): Promise<{ page: number; dimmed: number }> {
  return page.evaluate(
    ([sel, pseudoElement]) => {
      const element = document.querySelector(sel);
      if (!element) throw new Error(`no ${sel}`);
      const overlay = getComputedStyle(element, pseudoElement).backgroundColor;
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = 1;
      const context = canvas.getContext('2d');
      if (!context) throw new Error('no 2d context');
      const luminance = () => {
        const [r, g, b] = Array.from(context.getImageData(0, 0, 1, 1).data).map((byte) => {
          const c = byte / 255;
          return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      context.fillStyle = getComputedStyle(document.body).backgroundColor;
      context.fillRect(0, 0, 1, 1);
      const under = luminance();
      context.fillStyle = overlay;
      context.fillRect(0, 0, 1, 1);
      return { page: under, dimmed: luminance() };
    },
    [selector, pseudo] as const,
  );
}

async function expectDark(page: Page) {
  await expect(page.locator('html')).toHaveClass(/\bdark\b/);
  // Dark page (black is 0, white 1), light text, and their contrast at least AA.
  const background = await luminanceOf(page, 'body', 'backgroundColor');
  const text = await luminanceOf(page, 'body', 'color');
  expect(background).toBeLessThan(0.05);
  expect(text).toBeGreaterThan(0.6);
  expect((text + 0.05) / (background + 0.05)).toBeGreaterThanOrEqual(4.5);
}

async function expectLight(page: Page) {
  await expect(page.locator('html')).not.toHaveClass(/\bdark\b/);
  const background = await luminanceOf(page, 'body', 'backgroundColor');
  const text = await luminanceOf(page, 'body', 'color');
  expect(background).toBeGreaterThan(0.85);
  expect(text).toBeLessThan(0.05);
}

test('[ANONYMOUS] the sign-in page follows the system: dark when the system is dark, light when it is light', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto('/login');
  await expectDark(page);
  // The sign-in card is dark too, with light text.
  expect(await luminanceOf(page, 'main > div', 'backgroundColor')).toBeLessThan(0.05);
  expect(await luminanceOf(page, 'h1', 'color')).toBeGreaterThan(0.6);

  await page.emulateMedia({ colorScheme: 'light' });
  await expectLight(page);
});

test('[ANONYMOUS] the theme is set before React runs (no light flash on a dark system)', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  // Without the app's JavaScript bundles only the inline script in <head> can set the theme.
  await page.route('**/_next/static/**/*.js', (route) => route.abort());
  await page.goto('/login');
  await expectDark(page);
});

test('[ADMIN] the header switch overrides the system and is remembered across reloads', async ({ page, e2e }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await signIn(page, e2e.adminEmail, e2e.adminPassword, /\/admin$/);
  const themeSwitch = page.getByTestId('theme-switch');
  await expect(themeSwitch).toHaveValue('system');
  await expectLight(page);

  await themeSwitch.selectOption('dark');
  await expectDark(page);
  await page.reload();
  await expect(themeSwitch).toHaveValue('dark');
  await expectDark(page);
  // Another page of the app keeps it.
  await page.goto('/admin/users');
  await expectDark(page);

  // Light wins over a dark system.
  await page.emulateMedia({ colorScheme: 'dark' });
  await themeSwitch.selectOption('light');
  await expectLight(page);
  await page.reload();
  await expect(themeSwitch).toHaveValue('light');
  await expectLight(page);

  // Back to System: follows the (dark) system again, and live when the system changes.
  await themeSwitch.selectOption('system');
  await expectDark(page);
  await page.reload();
  await expect(themeSwitch).toHaveValue('system');
  await expectDark(page);
  await page.emulateMedia({ colorScheme: 'light' });
  await expectLight(page);
});

test('[ADMIN] dialogs dim the page behind them with a dark overlay, in the dark theme as in the light one', async ({ page, request, e2e }) => {
  const suffix = randomBytes(3).toString('hex');
  await signInByApi(request, e2e, e2e.adminEmail, e2e.adminPassword);
  const person = `dimmed-${suffix}@example.test`;
  await callMutation(request, 'users.create', { email: person, password: 'a long password 1', name: `Dee Dimmed ${suffix}`, role: 'annotator' });
  const form = { questions: [{ id: 'preference', type: 'pairwise', label: 'Which is better?' }] };
  const project = await callMutation<{ id: number }>(request, 'projects.create', { name: `Dimmed ${suffix}`, form, completionsPerTask: 2 });
  await callMutation(request, 'imports.commit', { projectId: project.id, fileName: 'one.jsonl', content: JSON.stringify({ prompt: 'Say hello', completions: ['Hello.', 'Hi!'] }) });
  await signIn(page, e2e.adminEmail, e2e.adminPassword, /\/admin$/);

  for (const theme of ['dark', 'light'] as const) {
    await page.emulateMedia({ colorScheme: theme });
    // The flag dialog on the rating page: a full-screen layer behind the dialog box.
    await page.goto(`/annotate/${project.id}`);
    await expect(page.getByTestId('task-prompt')).toBeVisible();
    await page.keyboard.press('f');
    await expect(page.getByTestId('flag-dialog')).toBeVisible();
    const flagLayer = await overlayLuminance(page, 'div:has(> [data-testid="flag-dialog"])', null);
    // A native modal <dialog> (confirmations): its ::backdrop.
    await page.goto('/admin/users');
    await page.getByTestId(`user-remove-data-${person}`).click();
    await expect(page.getByTestId('remove-data-dialog')).toBeVisible();
    const backdrop = await overlayLuminance(page, '[data-testid="remove-data-dialog"]', '::backdrop');
    for (const [what, measured] of Object.entries({ flagLayer, backdrop })) {
      // Darker than the page, by a visible step (a quarter of its luminance at least), never lighter.
      expect(measured.dimmed, `${what} in the ${theme} theme: ${JSON.stringify(measured)}`).toBeLessThan(measured.page * 0.75);
    }
  }
});
