/**
 * End-to-end tests in a real Chromium against a real build of the app on a real PostgreSQL
 * (tests/e2e/global-setup.ts starts it all). Playwright's own Chromium is used when installed;
 * otherwise the system one (Debian's `chromium` package), headless.
 */
import fs from 'node:fs';
import { chromium, defineConfig, type LaunchOptions } from '@playwright/test';

const SYSTEM_CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function chromiumLaunchOptions(): LaunchOptions {
  let bundled = '';
  try {
    bundled = chromium.executablePath();
  } catch {
    // No browser registry entry: use the system browser.
  }
  if (bundled && fs.existsSync(bundled)) return {};
  return {
    executablePath: SYSTEM_CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  };
}

export default defineConfig({
  testDir: 'tests/e2e',
  globalSetup: './tests/e2e/global-setup.ts',
  outputDir: 'test-results/e2e',
  // One server, one database: specs run one after another and each builds its own data.
  workers: 1,
  fullyParallel: false,
  // A focused test (`.only`) fails the run instead of silently skipping the rest.
  forbidOnly: true,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: chromiumLaunchOptions(),
    viewport: { width: 1440, height: 900 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
