/**
 * The real production server (server/http/main.ts over a `next build`) for tests that must go
 * through HTTP: cookies, the tRPC wire format, status codes, the auth routes.
 *
 * Inside a Vitest integration file, pass `databaseUrl: process.env.DATABASE_URL` (the file's own
 * database from setup-database.ts), so the test can also read rows through Prisma. Without it, an
 * embedded PostgreSQL starts for this server alone and stops with it.
 *
 * The production build is shared by every test that serves the app (and by Playwright): call this
 * under `flock /tmp/feedloop-e2e.lock` so two builds never write .next at once. It rebuilds only
 * when the sources are newer than the build.
 */
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { findFreePort } from '../../scripts/embedded-postgres';
import { buildIfStale, startWebServer } from '../../scripts/web-server';
import { createTestDatabase, startTestServer } from './test-database';

export type RealServer = {
  baseUrl: string;
  databaseUrl: string;
  /** Stops the web server (and the embedded PostgreSQL when this helper started it). */
  stop: () => Promise<void>;
  /** Signs in through POST /api/auth/sign-in/email; returns the `Cookie` header value to send. */
  signIn: (email: string, password: string) => Promise<string>;
};

export type StartRealServerOptions = {
  /** Added to the server's environment (after the defaults below, so it can override them). */
  env?: Record<string, string>;
  /** A migrated database to serve; default: a fresh one on a PostgreSQL started for this server. */
  databaseUrl?: string;
  /** Where the server's output goes; default test-results/http-server-<random>.log. */
  logFile?: string;
  /** Build the app first when the build is stale (default true). */
  build?: boolean;
};

const root = path.resolve(__dirname, '../..');

/** Joins the name=value parts of a response's Set-Cookie headers into one Cookie header. */
export function cookieHeaderFrom(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(';')[0])
    .filter((pair) => pair.includes('=') && !pair.endsWith('='))
    .join('; ');
}

export async function startRealServer(options: StartRealServerOptions = {}): Promise<RealServer> {
  let stopDatabase = async () => {};
  let databaseUrl = options.databaseUrl;
  if (!databaseUrl) {
    const postgres = await startTestServer();
    databaseUrl = await createTestDatabase(postgres.adminUrl, `http_${randomBytes(5).toString('hex')}`);
    stopDatabase = postgres.stop;
  }
  if (options.build ?? true) buildIfStale({ log: (line) => process.stderr.write(`[http-server] ${line}\n`) });

  const port = await findFreePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env = {
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '10',
    BETTER_AUTH_SECRET: `http-test-secret-${randomBytes(16).toString('hex')}`,
    APP_URL: baseUrl,
    // Tests sign in often from one address; the limit's own tests pass a lower one.
    AUTH_SIGNIN_LIMIT_PER_MINUTE: '10000',
    AUTH_ACCOUNT_FAILURE_LIMIT: '10000',
    NEXT_TELEMETRY_DISABLED: '1',
    ...options.env,
  };
  const logFile = options.logFile ?? path.join(root, 'test-results', `http-server-${port}.log`);
  let web;
  try {
    web = await startWebServer({ port, host: '127.0.0.1', env, logFile });
  } catch (error) {
    await stopDatabase();
    throw error;
  }

  const signIn = async (email: string, password: string) => {
    const response = await fetch(`${baseUrl}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: baseUrl },
      body: JSON.stringify({ email, password }),
    });
    const cookie = cookieHeaderFrom(response);
    if (!response.ok || !cookie) throw new Error(`sign-in as ${email} answered ${response.status}: ${await response.text()}`);
    return cookie;
  };

  const stop = async () => {
    await web.stop();
    await stopDatabase();
  };
  return { baseUrl, databaseUrl, stop, signIn };
}
