import { defineConfig } from 'vitest/config';
import path from 'node:path';

const alias = { '@': path.resolve(import.meta.dirname) };
/** A focused test (`.only`) fails the run instead of silently skipping the rest (set per project: projects do not inherit it). */
const allowOnly = false;

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
          allowOnly,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          allowOnly,
          globalSetup: ['tests/integration/global-setup.ts'],
          setupFiles: ['tests/integration/setup-database.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // One PostgreSQL, one schema per file: files run in parallel, tests in a file in order.
          fileParallelism: true,
        },
      },
    ],
  },
});
