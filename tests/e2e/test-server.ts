/**
 * The application the end-to-end tests drive, started as one child process (Playwright's global
 * setup runs it with tsx, so the server modules load exactly as in `npm start`):
 *
 * an embedded PostgreSQL in a temporary directory with a fresh migrated database, an admin
 * account written directly through the accounts service (the admin UI is under test, not used to
 * bootstrap), a production build of the web app (rebuilt only when older than the sources), and
 * the production server (server/http/main.ts) on a free port. When everything answers it prints one line,
 * `E2E_READY {json}`, and it stops it all on SIGTERM.
 *
 * Also handy by hand: `npx tsx tests/e2e/test-server.ts` gives a throwaway instance.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startTestServer, createTestDatabase } from '../helpers/test-database';
import { findFreePort } from '../../scripts/embedded-postgres';
import { buildIfStale, startWebServer } from '../../scripts/web-server';

export type E2EServerInfo = { baseUrl: string; databaseUrl: string; adminEmail: string; adminPassword: string; signInLimitPerMinute: number };

const root = path.resolve(__dirname, '../..');
const logFile = path.join(root, 'test-results/e2e-server.log');
/** Low enough that the rate-limit test reaches it quickly; each test signs in from its own address. */
const SIGN_IN_LIMIT = 10;

function log(message: string) {
  process.stderr.write(`[e2e-server] ${message}\n`);
}

async function waitForHttp(url: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { redirect: 'manual' });
      if (response.status < 500) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms (see ${logFile})`);
}

async function main() {
  const started = Date.now();
  const postgres = await startTestServer();
  const databaseUrl = await createTestDatabase(postgres.adminUrl, 'feedloop_e2e');
  const port = await findFreePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env = {
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '10',
    BETTER_AUTH_SECRET: 'e2e-test-secret-e2e-test-secret-0123456789',
    APP_URL: baseUrl,
    AUTH_SIGNIN_LIMIT_PER_MINUTE: String(SIGN_IN_LIMIT),
    // Specs reach the server from 127.0.0.1, each test's browser with its own X-Forwarded-For
    // (fixtures.ts): trusting the loopback peer gives each test its own sign-in limit.
    TRUST_PROXY: '127.0.0.1,::1',
    NEXT_TELEMETRY_DISABLED: '1',
  };
  Object.assign(process.env, env);
  log(`database ready in ${Date.now() - started} ms`);

  // Imported only now: the server modules validate the environment set above when they load.
  const { createUserAccount } = await import('../../server/services/users');
  const { db } = await import('../../server/db');
  const admin = { email: 'e2e-admin@example.test', password: 'e2e admin password' };
  await createUserAccount({ ...admin, name: 'E2E Admin', role: 'admin' });
  await db.$disconnect();

  const buildStarted = Date.now();
  if (buildIfStale({ log })) log(`built in ${Math.round((Date.now() - buildStarted) / 1000)} s`);
  else log('reusing the existing build (newer than the sources)');

  fs.rmSync(logFile, { force: true });
  const web = await startWebServer({ port, host: '127.0.0.1', env, logFile });
  let isStopping = false;
  web.process.on('exit', (code) => {
    if (!isStopping) {
      log(`the web server exited early (code ${code}); see ${logFile}`);
      void postgres.stop().finally(() => process.exit(1));
    }
  });

  const stop = async () => {
    if (isStopping) return;
    isStopping = true;
    await web.stop();
    await postgres.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());

  await waitForHttp(`${baseUrl}/login`, 60_000);
  const info: E2EServerInfo = { baseUrl, databaseUrl, adminEmail: admin.email, adminPassword: admin.password, signInLimitPerMinute: SIGN_IN_LIMIT };
  log(`ready at ${baseUrl} after ${Math.round((Date.now() - started) / 1000)} s`);
  process.stdout.write(`E2E_READY ${JSON.stringify(info)}\n`);
}

main().catch((error: unknown) => {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
