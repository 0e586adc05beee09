/**
 * Dark mode follows the system setting (prefers-color-scheme), and the header's switch
 * (System / Light / Dark) overrides it and is remembered across reloads. The theme is set by an
 * inline script before the page paints, so it holds even before (or without) React.
 *
 * Colours are read from computed styles and judged by their relative luminance (WCAG 2.x), so the
 * test does not depend on the palette's exact values.
 */
import type { Page } from '@playwright/test';
import { test, expect, signIn } from './fixtures';

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
