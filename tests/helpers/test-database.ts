/**
 * The PostgreSQL the integration tests and end-to-end tests run against.
 *
 * With TEST_DATABASE_URL set (any PostgreSQL 14+ the tests may create databases on), it is used;
 * otherwise an embedded PostgreSQL starts in a temporary directory. Migrations are applied once to
 * a template database, and each test file gets its own copy (CREATE DATABASE ... TEMPLATE), so
 * files run in parallel without seeing each other's rows.
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../scripts/embedded-postgres';
import { applyMigrations } from '../../prisma/migrate';

export const TEMPLATE_DATABASE = 'feedloop_test_template';

export type TestServer = { adminUrl: string; stop: () => Promise<void> };

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Starts (or connects to) the server and prepares the migrated template database. */
export async function startTestServer(): Promise<TestServer> {
  let adminUrl = process.env.TEST_DATABASE_URL;
  let stop = async () => {};
  if (!adminUrl) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'feedloop-test-'));
    const server = await startEmbeddedPostgres({
      dataDir: path.join(dataDir, 'pg'),
      database: 'postgres',
      // Test data is disposable: trade durability for speed.
      settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '300' },
    });
    adminUrl = server.url;
    stop = async () => {
      await server.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    };
  }
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
  await client.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  await client.end();
  await applyMigrations(withDatabase(adminUrl, TEMPLATE_DATABASE));
  return { adminUrl, stop };
}

/** A fresh, migrated database copied from the template; returns its URL. */
export async function createTestDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`);
  } finally {
    await client.end();
  }
  return withDatabase(adminUrl, name);
}
