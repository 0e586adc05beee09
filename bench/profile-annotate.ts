/**
 * Where the annotation path spends its CPU, without HTTP: `npx tsx bench/profile-annotate.ts`.
 *
 * Fills the bench:annotate database (200,000 tasks, 10,000 annotations) on an embedded
 * PostgreSQL, then, in this process, runs `concurrency` annotators that call the services the
 * tRPC procedures call (findNextTask once, then submitAndFindNext in a loop) for a few seconds,
 * and the plain-INSERT reference of bench:annotate. For each it prints the rate and the CPU spent
 * per operation by this Node process and by PostgreSQL's processes (from /proc), so the cost of
 * the SQL and of the JavaScript around it can be told apart from the HTTP/tRPC layer measured by
 * bench:annotate.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { startEmbeddedPostgres } from '../scripts/embedded-postgres';
import { applyMigrations } from '../prisma/migrate';
import { findFreePort } from '../scripts/embedded-postgres';
import { startWebServer } from '../scripts/web-server';
import { createAgent, runAnnotators } from './lib/http-annotator';
import { createSessionAnnotators, BENCH_ANNOTATORS, REFERENCE_USERS, TASKS, fillAnnotations, fillProject, vacuumAnalyze } from './lib/fill-annotate-db';

const SECONDS = Number(process.env.PROFILE_SECONDS ?? 8);
const ANNOTATIONS = Number(process.env.PROFILE_ANNOTATIONS ?? 10_000);
const CONCURRENCY = Number(process.env.PROFILE_CONCURRENCY ?? 20);
const TICKS = 100; // USER_HZ on Linux

/** CPU seconds (user + system) of the given processes, from /proc. */
function cpuSecondsOf(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    } catch {
      // exited meanwhile
    }
  }
  return ticks / TICKS;
}

/** A process and its descendants (tsx runs the server in a child process of its own). */
function processTree(rootPid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      parentOf.set(Number(entry), Number(fs.readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1]));
    } catch {
      // gone
    }
  }
  const tree = [rootPid];
  for (let i = 0; i < tree.length; i++) for (const [pid, parent] of parentOf) if (parent === tree[i]) tree.push(pid);
  return tree;
}

function postgresPids(postmasterPid: number): number[] {
  const pids = [postmasterPid];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = fs.readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ');
      if (Number(fields[1]) === postmasterPid) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

async function measure(label: string, postmasterPid: number, run: (stopAt: number) => Promise<number>, serverPid?: number) {
  const pids = postgresPids(postmasterPid);
  const pgBefore = cpuSecondsOf(pids);
  const nodeBefore = process.cpuUsage();
  const serverBefore = serverPid ? cpuSecondsOf([serverPid]) : 0;
  const started = performance.now();
  const count = await run(started + SECONDS * 1000);
  const wall = (performance.now() - started) / 1000;
  const nodeUsage = process.cpuUsage(nodeBefore);
  const nodeCpu = (nodeUsage.user + nodeUsage.system) / 1e6;
  const pgCpu = cpuSecondsOf(postgresPids(postmasterPid)) - pgBefore;
  const server = serverPid ? `   server ${(((cpuSecondsOf(processTree(serverPid)) - serverBefore) / count) * 1000).toFixed(2)} ms/op` : '';
  console.log(
    `${label.padEnd(34)} ${(count / wall).toFixed(0).padStart(6)} /s   node ${((nodeCpu / count) * 1000).toFixed(2)} ms/op   postgres ${((pgCpu / count) * 1000).toFixed(2)} ms/op${server}   (load ${os.loadavg()[0].toFixed(1)})`,
  );
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'feedloop-profile-'));
  const database = await startEmbeddedPostgres({
    dataDir: path.join(dir, 'pg'),
    database: 'bench',
    settings: {
      max_connections: '200',
      shared_buffers: '512MB',
      shared_preload_libraries: 'pg_stat_statements',
      'pg_stat_statements.track': 'all',
      'pg_stat_statements.track_planning': 'on',
      ...JSON.parse(process.env.PROFILE_PG_SETTINGS ?? '{}'),
    },
    // PROFILE_TCP=1: every client (this process, the web server) reaches PostgreSQL over TCP instead of the Unix socket npm start uses.
    unixSocket: !process.env.PROFILE_TCP,
  });
  try {
    const url = database.socketUrl;
    await applyMigrations(url);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const projectId = await fillProject(client, { passwordHash: 'x' });
    await fillAnnotations(client, { projectId, from: 0, to: ANNOTATIONS });
    await vacuumAnalyze(client);
    const postmasterPid = Number(fs.readFileSync(path.join(dir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);

    Object.assign(process.env, { DATABASE_URL: url, DATABASE_POOL_SIZE: String(CONCURRENCY), BETTER_AUTH_SECRET: 'profile-secret-profile-secret-profile-0123', NODE_ENV: 'production' });
    const { findNextTask } = await import('../server/services/find-next-task');
    const { submitAndFindNext } = await import('../server/services/submit-annotation');
    const { loadTaskForWrite } = await import('../server/services/annotation-writes');

    const pool = new pg.Pool({ connectionString: url, max: CONCURRENCY });
    let n = 0;
    await measure('plain INSERT (pg)', postmasterPid, async (stopAt) => {
      let done = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (performance.now() < stopAt) {
            const k = n++;
            await pool.query(
              `INSERT INTO "Annotation" ("clientId", "taskId", "projectId", "userId", status, answer, "timeSpentMs", "createdAt") VALUES ($1, $2, $3, $4, 'SUBMITTED', $5::jsonb, $6, now() AT TIME ZONE 'UTC')`,
              [`ref-${k}`, (k % TASKS) + 1, projectId, `ref-${Math.floor(k / TASKS) % REFERENCE_USERS}`, JSON.stringify({ preference: { type: 'pairwise', choice: 'A' } }), 5000],
            );
            done++;
          }
        }),
      );
      return done;
    });

    const annotators = Array.from({ length: Math.min(CONCURRENCY, BENCH_ANNOTATORS) }, (_, i) => `bench-${i}`);
    const current = new Map<string, number>();
    for (const userId of annotators) {
      const task = await findNextTask({ userId, projectId });
      if (task) current.set(userId, task.taskId);
    }
    await measure('loadTaskForWrite', postmasterPid, async (stopAt) => {
      let done = 0;
      await Promise.all(
        annotators.map(async (userId) => {
          while (performance.now() < stopAt) {
            await loadTaskForWrite({ userId, taskId: current.get(userId) ?? 1, clientId: randomUUID() });
            done++;
          }
        }),
      );
      return done;
    });
    if (process.env.PROFILE_STATEMENTS) await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()');
    await measure('submitAndFindNext (in-process)', postmasterPid, async (stopAt) => {
      let done = 0;
      await Promise.all(
        annotators.map(async (userId) => {
          while (performance.now() < stopAt) {
            const taskId = current.get(userId);
            if (!taskId) return;
            const result = await submitAndFindNext({ userId, clientId: randomUUID(), taskId, answer: { preference: { type: 'pairwise', choice: 'A' } }, timeSpentMs: 4000, excludeTaskIds: [] });
            if (result.next) current.set(userId, result.next.taskId);
            else current.delete(userId);
            done++;
          }
        }),
      );
      return done;
    });
    if (process.env.PROFILE_HTTP)
      try {
        // The same loop over HTTP against the production server (its existing build; no rebuild).
        const secret = 'profile-secret-profile-secret-profile-0123';
        const port = await findFreePort();
        const server = await startWebServer({
          port,
          logFile: path.join(dir, 'web.log'),
          env: {
            DATABASE_URL: url,
            DATABASE_POOL_SIZE: String(CONCURRENCY),
            BETTER_AUTH_SECRET: secret,
            APP_URL: `http://127.0.0.1:${port}`,
          },
          // PROFILE_SERVER_CPU_DIR=<dir>: the server writes a V8 CPU profile there when it stops (open it in Chrome's DevTools);
          // PROFILE_SERVER_NODE_ARGS='--trace-gc ...': more flags for the server's node (its output goes to web.log in the temp dir).
          nodeArgs: [
            ...(process.env.PROFILE_SERVER_CPU_DIR ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.PROFILE_SERVER_CPU_DIR)}`] : []),
            ...(process.env.PROFILE_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
          ],
        });
        try {
          const cookies = await createSessionAnnotators(client, { count: CONCURRENCY, secret, cookieName: 'better-auth.session_token' });
          const agent = createAgent(256);
          // warm up
          await runAnnotators({ baseUrl: server.url, projectId, cookies, seconds: 2, warmupSeconds: 0, isSubmitAndNext: true, agent });
          // The fixed cost of a request: session.me reads the session and returns the user, no other SQL.
          await measure(
            'session.me over HTTP',
            postmasterPid,
            async (stopAt) => {
              let done = 0;
              await Promise.all(
                cookies.map(async (cookie) => {
                  while (performance.now() < stopAt) {
                    const response = await fetch(`${server.url}/api/trpc/session.me`, { headers: { cookie } });
                    if (!response.ok) throw new Error(`session.me: ${response.status}`);
                    await response.arrayBuffer();
                    done++;
                  }
                }),
              );
              return done;
            },
            server.process.pid,
          );
          // Hot path and adapter in turns, so that the machine's other load weighs on both alike.
          for (let round = 1; round <= Number(process.env.PROFILE_ROUNDS ?? 1); round++) {
            for (const [label, urlSuffix] of [
              ['submitAndNext over HTTP', ''],
              ['  the same via the tRPC adapter', '?via=adapter'],
            ] as const) {
              await measure(
                label,
                postmasterPid,
                async (stopAt) => {
                  const load = await runAnnotators({
                    baseUrl: server.url,
                    projectId,
                    cookies,
                    seconds: (stopAt - performance.now()) / 1000,
                    warmupSeconds: 0,
                    isSubmitAndNext: true,
                    agent,
                    urlSuffix,
                  });
                  if (load.errors.size) console.log(load.errors);
                  return load.submitMs.length + load.nextMs.length;
                },
                server.process.pid,
              );
            }
          }
        } finally {
          await server.stop();
        }
      } catch (error) {
        console.error('HTTP profile failed:', error, fs.readFileSync(path.join(dir, 'web.log'), 'utf8').slice(-3000));
      }
    if (process.env.PROFILE_EXPLAIN) {
      // The submit statement of submit-annotation.ts, explained with its real plan on a real lease.
      const explain = new pg.Client({ connectionString: url });
      await explain.connect();
      explain.on('notice', (notice) => console.log(notice.message));
      await explain.query(
        `LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET auto_explain.log_analyze = on; SET auto_explain.log_buffers = on; SET auto_explain.log_nested_statements = on; SET client_min_messages = warning`,
      );
      for (const [userId, taskId] of [...current.entries()].slice(0, 3)) {
        await explain.query('BEGIN');
        const plan = await explain.query(`EXPLAIN (ANALYZE, SUMMARY) ${fs.readFileSync(process.env.PROFILE_EXPLAIN, 'utf8')}`, [
          `explain-${userId}`,
          taskId,
          projectId,
          userId,
          JSON.stringify({ preference: { type: 'pairwise', choice: 'A' } }),
          4000,
          [],
        ]);
        console.log(
          plan.rows
            .map((r) => r['QUERY PLAN'])
            .filter((line: string) => /Time|Trigger/.test(line))
            .join('\n'),
        );
        await explain.query('ROLLBACK');
      }
      await explain.end();
    }
    if (process.env.PROFILE_STATEMENTS) {
      const top = await client.query<{ calls: string; ms: number; total: number; plan: number; query: string }>(
        `SELECT calls, mean_exec_time AS ms, total_exec_time AS total, mean_plan_time AS plan, left(regexp_replace(query, '\\s+', ' ', 'g'), 160) AS query FROM pg_stat_statements ORDER BY total_exec_time + total_plan_time DESC LIMIT 25`,
      );
      for (const row of top.rows)
        console.log(`${String(row.calls).padStart(7)} calls ${row.ms.toFixed(3).padStart(8)} ms (plan ${row.plan.toFixed(3)}) ${(row.total / 1000).toFixed(2).padStart(7)} s  ${row.query}`);
    }
    await pool.end();
    await client.end();
    const { db } = await import('../server/db');
    await db.$disconnect();
  } finally {
    await database.stop();
    // PROFILE_WEB_LOG=<file>: keep the server's output (e.g. its --trace-gc lines).
    if (process.env.PROFILE_WEB_LOG && fs.existsSync(path.join(dir, 'web.log'))) fs.copyFileSync(path.join(dir, 'web.log'), process.env.PROFILE_WEB_LOG);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
