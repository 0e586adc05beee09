/**
 * npm start's supervision of its embedded PostgreSQL (scripts/supervise-postgres.ts), on a real
 * server in a temporary directory: SIGKILL the postmaster, and it is back on the same port with
 * every committed row, a fresh client connects, and a pool opened before the crash (Prisma on the
 * pg adapter, as the web server's) answers again without being recreated. A server that cannot
 * start again (its data directory gone) is given up after the allowed tries, with PostgreSQL's
 * reason.
 *
 * Why a server of its own: the kill must not touch the PostgreSQL the other test files share.
 * Durable settings (fsync on): the point is that committed data survives the crash.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { afterAll, describe, expect, it } from 'vitest';
import { PrismaClient } from '@/server/generated/prisma/client';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../scripts/embedded-postgres';
import { supervisePostgres } from '../../scripts/supervise-postgres';
import { waitFor } from '../../scripts/worker-process';

const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'feedloop-supervision-'));
const started: EmbeddedDatabase[] = [];

afterAll(async () => {
  for (const database of started) await database.stop();
  fs.rmSync(tempDir, { recursive: true, force: true });
});

async function queryOnce(url: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('supervised embedded PostgreSQL', () => {
  it('comes back on the same port with its data after a SIGKILL, and pools opened before reconnect by themselves', async () => {
    const database = await startEmbeddedPostgres({ dataDir: path.join(tempDir, 'crash-pg'), database: 'app' });
    started.push(database);
    const lines: string[] = [];
    const gaveUp: string[] = [];
    const supervisor = supervisePostgres({ database, log: (line) => lines.push(line), onGiveUp: (reason) => gaveUp.push(reason), backoffMs: () => 200 });

    await queryOnce(database.url, 'CREATE TABLE kept (id int PRIMARY KEY, note text)');
    await queryOnce(database.url, "INSERT INTO kept SELECT i, 'row ' || i FROM generate_series(1, 500) i");
    // Opened before the crash, like the web server's pool: Prisma on the pg driver adapter, and a plain pg pool.
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url, max: 4 }) });
    const pool = new pg.Pool({ connectionString: database.url, max: 4 });
    pool.on('error', () => {}); // an idle connection dying is expected here; the pool drops it
    expect(await prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM kept`).toEqual([{ n: 500 }]);
    expect((await pool.query('SELECT count(*)::int AS n FROM kept')).rows).toEqual([{ n: 500 }]);

    const oldPid = database.pid() as number;
    expect(oldPid).toBeGreaterThan(0);
    process.kill(oldPid, 'SIGKILL');
    await waitFor('the old postmaster to be gone', async () => !isAlive(oldPid), { timeoutMs: 10_000 });
    await waitFor('the supervisor to restart PostgreSQL', async () => supervisor.restarts() === 1, { timeoutMs: 60_000, onTimeout: () => lines.join('\n') });

    const newPid = database.pid() as number;
    expect(newPid).not.toBe(oldPid);
    expect(isAlive(newPid)).toBe(true);
    expect(new URL(database.url).port).toBe(String(database.port));
    // A fresh client on the same URL (same port) finds every committed row.
    const rows = await queryOnce(database.url, 'SELECT count(*)::int AS n, sum(id)::int AS total FROM kept');
    expect(rows.rows).toEqual([{ n: 500, total: (500 * 501) / 2 }]);
    // The pools from before the crash answer again, without being recreated.
    expect(await prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM kept`).toEqual([{ n: 500 }]);
    expect((await pool.query('SELECT count(*)::int AS n FROM kept')).rows).toEqual([{ n: 500 }]);
    expect(await prisma.$executeRaw`INSERT INTO kept VALUES (501, 'after the crash')`).toBe(1);
    expect((await queryOnce(database.url, 'SELECT note FROM kept WHERE id = 501')).rows).toEqual([{ note: 'after the crash' }]);

    expect(gaveUp).toEqual([]);
    expect(lines[0]).toMatch(new RegExp(`PostgreSQL on port ${database.port} stopped unexpectedly \\(killed by SIGKILL\\)`));
    expect(lines.at(-1)).toMatch(new RegExp(`PostgreSQL is back on port ${database.port}`));

    supervisor.stopWatching();
    await prisma.$disconnect();
    await pool.end();
  });

  it('gives up after the allowed tries when the server cannot start again, and says why', async () => {
    const dataDir = path.join(tempDir, 'lost-pg');
    const database = await startEmbeddedPostgres({ dataDir, database: 'app' });
    started.push(database);
    const lines: string[] = [];
    const gaveUp: string[] = [];
    const supervisor = supervisePostgres({ database, maxTries: 3, log: (line) => lines.push(line), onGiveUp: (reason) => gaveUp.push(reason), backoffMs: () => 100 });

    // The data directory disappears under the running server (a wiped disk, a bad mount): it keeps
    // running from its open files, but cannot start again once killed.
    fs.renameSync(dataDir, `${dataDir}-moved`);
    process.kill(database.pid() as number, 'SIGKILL');
    await waitFor('the supervisor to give up', async () => gaveUp.length > 0, { timeoutMs: 60_000, onTimeout: () => lines.join('\n') });

    expect(gaveUp).toHaveLength(1);
    expect(gaveUp[0]).toMatch(new RegExp(`PostgreSQL on port ${database.port} stopped \\(killed by SIGKILL\\) and could not be restarted after 3 tries: `));
    expect(gaveUp[0]).toContain(dataDir); // PostgreSQL's own words name the directory it could not use
    expect(lines.filter((line) => /^restart try \d of 3 failed/.test(line))).toHaveLength(3);
    expect(supervisor.restarts()).toBe(0);
    expect(database.pid()).toBeUndefined();
    await expect(queryOnce(database.url, 'SELECT 1')).rejects.toThrow();
  });
});
