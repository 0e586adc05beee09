/**
 * Starts the application under test (tests/e2e/test-server.ts) in a child process and hands its
 * address and database to the tests through the environment; the returned function stops it.
 * To iterate quickly, start the server once by hand and export E2E_BASE_URL, E2E_DATABASE_URL,
 * E2E_ADMIN_EMAIL, E2E_ADMIN_PASSWORD and E2E_SIGNIN_LIMIT: the specs then run against it.
 */
import path from 'node:path';
import { spawn } from 'node:child_process';
import type { E2EServerInfo } from './test-server';

const root = path.resolve(__dirname, '../..');

export default async function globalSetup() {
  // An instance already running (`npx tsx tests/e2e/test-server.ts`, its E2E_* values exported): use it.
  if (process.env.E2E_BASE_URL && process.env.E2E_DATABASE_URL) return async () => {};
  const tsxCli = path.join(root, 'node_modules/tsx/dist/cli.mjs');
  const child = spawn(process.execPath, [tsxCli, path.join(__dirname, 'test-server.ts')], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });

  const info = await new Promise<E2EServerInfo>((resolve, reject) => {
    let buffered = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const line = buffered.split('\n').find((l) => l.startsWith('E2E_READY '));
      if (line) resolve(JSON.parse(line.slice('E2E_READY '.length)) as E2EServerInfo);
    });
    child.once('exit', (code) => reject(new Error(`the e2e server exited before it was ready (code ${code})`)));
  });

  // Workers start after global setup and inherit these.
  process.env.E2E_BASE_URL = info.baseUrl;
  process.env.E2E_DATABASE_URL = info.databaseUrl;
  process.env.E2E_ADMIN_EMAIL = info.adminEmail;
  process.env.E2E_ADMIN_PASSWORD = info.adminPassword;
  process.env.E2E_SIGNIN_LIMIT = String(info.signInLimitPerMinute);

  return async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
  };
}
