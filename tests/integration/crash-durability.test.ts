/**
 * Crash durability of the annotation path: 10 simulated annotators rate continuously over HTTP
 * while the production web server (server/http/main.ts, started as npm start starts it) is
 * SIGKILLed twice and started again on the same port. Afterwards every acknowledged answer is
 * stored exactly once (the set of acknowledged clientIds equals the set of stored ones: none lost,
 * none extra), no task has more answers than its overlap, and every task's counter and status match
 * its stored answers.
 *
 * Each annotator behaves as the rating page does (app/_components/annotate/annotate-workspace.tsx):
 * a tRPC client (httpBatchLink + superjson) with the session cookie from the real sign-in route;
 * queue.next, then annotations.submit with a clientId made for that task; a submit that fails
 * (connection refused or reset, a 5xx) is sent again with the SAME clientId until it is answered;
 * a CONFLICT (the slot went to someone else) moves on and counts as not acknowledged.
 *
 * Why SIGKILL of the real process tree: a kill can land after PostgreSQL committed an answer and
 * before the response left, which is exactly the case the clientId must make safe. The tsx CLI
 * runs the server in a child process of its own, so the whole tree is killed (else the server
 * would live on and hold the port). Sessions live in PostgreSQL, so the same cookies work after
 * the restart. Needs a `next build`: run under `flock /tmp/feedloop-e2e.lock` (see
 * tests/helpers/http-server.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import superjson from 'superjson';
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import type { AppRouter } from '@/server/api/root';
import { db } from '@/server/db';
import { FORM_PRESETS, ZRatingForm } from '@/lib/forms/schema';
import { createProject } from '@/server/services/projects';
import { commitImport } from '@/server/services/import/commit-import';
import { createSignedInUser } from '../helpers/api';
import { cookieHeaderFrom } from '../helpers/http-server';
import { findFreePort } from '../../scripts/embedded-postgres';
import { buildIfStale, startWebServer, type WebServer } from '../../scripts/web-server';

const ANNOTATORS = 10;
const OVERLAP = 2;
/** Enough work that nobody runs out before the last phase ends (400 ran out once the rating path got faster). */
const PROMPTS = 3000;
/** How long the annotators rate between two kills (and after the last restart). */
const PHASE_MS = 4000;

const root = path.resolve(__dirname, '../..');
const logFile = path.join(root, 'test-results', `crash-durability-${process.pid}.log`);
let port: number;
let baseUrl: string;
let env: Record<string, string>;
let web: WebServer | null = null;

/** Every process below `pid`, children first read from /proc (Linux). */
function descendantsOf(pid: number): number[] {
  const found: number[] = [];
  let tasks: string[] = [];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return found;
  }
  for (const task of tasks) {
    let children = '';
    try {
      children = fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const child of children.split(' ').filter(Boolean).map(Number)) found.push(child, ...descendantsOf(child));
  }
  return found;
}

async function killServerTree(server: WebServer) {
  const pid = server.process.pid as number;
  const tree = [pid, ...descendantsOf(pid)];
  expect(tree.length).toBeGreaterThan(1); // the tsx CLI and the server it runs
  const exited = new Promise((resolve) => server.process.once('exit', resolve));
  for (const member of tree.reverse()) {
    try {
      process.kill(member, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await exited;
}

const startServer = () => startWebServer({ port, host: '127.0.0.1', env, logFile, timeoutMs: 180_000 });

beforeAll(async () => {
  buildIfStale({ log: (line) => process.stderr.write(`[crash-durability] ${line}\n`) });
  port = await findFreePort();
  baseUrl = `http://127.0.0.1:${port}`;
  env = {
    DATABASE_URL: process.env.DATABASE_URL as string,
    DATABASE_POOL_SIZE: '10',
    BETTER_AUTH_SECRET: 'crash-durability-secret-0123456789abcdef',
    APP_URL: baseUrl,
    AUTH_SIGNIN_LIMIT_PER_MINUTE: '10000',
    AUTH_ACCOUNT_FAILURE_LIMIT: '10000',
    NEXT_TELEMETRY_DISABLED: '1',
  };
  fs.rmSync(logFile, { force: true });
  web = await startServer();
}, 600_000);

afterAll(async () => {
  await web?.stop();
});

type Tally = { acknowledged: Set<string>; refused: number; failedRequests: number; resentSubmits: number };

function clientFor(cookie: string) {
  return createTRPCClient<AppRouter>({
    links: [httpBatchLink({ url: `${baseUrl}/api/trpc`, transformer: superjson, headers: () => ({ cookie, origin: baseUrl }) })],
  });
}

/** Only an answer from the API itself (a 4xx with a tRPC code) ends a request; anything else is sent again. */
function isRefusal(error: unknown): boolean {
  if (!(error instanceof TRPCClientError)) return false;
  const status = (error.data as { httpStatus?: number } | undefined)?.httpStatus ?? 0;
  return status >= 400 && status < 500;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One annotator: rate until told to stop (finishing the answer in hand) or the queue is empty. */
async function rate(cookie: string, projectId: number, shouldStop: () => boolean, tally: Tally) {
  const client = clientFor(cookie);
  while (!shouldStop()) {
    let task: Awaited<ReturnType<typeof client.queue.next.mutate>>;
    try {
      task = await client.queue.next.mutate({ projectId, excludeTaskIds: [] });
    } catch (error) {
      if (isRefusal(error)) throw error;
      tally.failedRequests += 1;
      await pause(100);
      continue;
    }
    if (!task) return;
    const clientId = randomUUID();
    const choice = Math.random() < 0.5 ? 'A' : 'B';
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) tally.resentSubmits += 1;
      try {
        await client.annotations.submit.mutate({ clientId, taskId: task.taskId, answer: { preference: { type: 'pairwise', choice } }, timeSpentMs: 500 });
        tally.acknowledged.add(clientId);
        break;
      } catch (error) {
        if (isRefusal(error)) {
          if ((error as TRPCClientError<AppRouter>).data?.code !== 'CONFLICT') throw error;
          tally.refused += 1;
          break;
        }
        tally.failedRequests += 1;
        await pause(100);
      }
    }
  }
}

describe('annotations survive web server crashes', () => {
  it('every acknowledged answer is stored exactly once across two SIGKILLs of the web server', async () => {
    const admin = await createSignedInUser('admin');
    const project = await createProject({
      name: `Crash ${randomUUID().slice(0, 8)}`,
      guidelines: 'Pick either.',
      form: ZRatingForm.parse(FORM_PRESETS.pairwise),
      overlap: OVERLAP,
      completionsPerTask: 2,
      leaseSeconds: 900,
      undoSeconds: 0,
      createdById: admin.id,
    });
    const lines = Array.from({ length: PROMPTS }, (_, i) => JSON.stringify({ prompt: `Prompt ${i}`, completions: [`First answer ${i}`, `Second answer ${i}`] }));
    await commitImport({ projectId: project.id, fileName: 'prompts.jsonl', content: lines.join('\n'), userId: admin.id });
    expect(await db.task.count({ where: { projectId: project.id } })).toBe(PROMPTS);

    const annotators = await Promise.all(Array.from({ length: ANNOTATORS }, () => createSignedInUser('annotator')));
    const cookies: string[] = [];
    for (const annotator of annotators) {
      const response = await fetch(`${baseUrl}/api/auth/sign-in/email`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: baseUrl },
        body: JSON.stringify({ email: annotator.email, password: annotator.password }),
      });
      expect(response.status).toBe(200);
      cookies.push(cookieHeaderFrom(response));
    }

    const tally: Tally = { acknowledged: new Set(), refused: 0, failedRequests: 0, resentSubmits: 0 };
    let isStopping = false;
    const raters = cookies.map((cookie) => rate(cookie, project.id, () => isStopping, tally));
    const settled = Promise.allSettled(raters);

    const acknowledgedBeforeKill: number[] = [];
    const restartMs: number[] = [];
    for (let kill = 1; kill <= 2; kill++) {
      await pause(PHASE_MS);
      acknowledgedBeforeKill.push(tally.acknowledged.size);
      await killServerTree(web as WebServer);
      const restartedAt = Date.now();
      web = await startServer();
      restartMs.push(Date.now() - restartedAt);
    }
    await pause(PHASE_MS);
    isStopping = true;
    const outcomes = await settled;
    for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;

    // The annotators kept working through the kills: answers before the first, between, and after the last.
    expect(acknowledgedBeforeKill[0]).toBeGreaterThan(0);
    expect(acknowledgedBeforeKill[1]).toBeGreaterThan(acknowledgedBeforeKill[0]);
    expect(tally.acknowledged.size).toBeGreaterThan(acknowledgedBeforeKill[1]);
    expect(tally.failedRequests).toBeGreaterThan(0); // the server really was gone for a while

    const stored = await db.annotation.findMany({ where: { projectId: project.id }, select: { clientId: true, taskId: true, status: true } });
    const storedIds = stored.map((a) => a.clientId);
    expect(stored.every((a) => a.status === 'SUBMITTED')).toBe(true);
    expect(new Set(storedIds).size).toBe(storedIds.length);
    const storedSet = new Set(storedIds);
    const lost = [...tally.acknowledged].filter((id) => !storedSet.has(id));
    const unacknowledged = storedIds.filter((id) => !tally.acknowledged.has(id));
    expect({ lost, unacknowledged }).toEqual({ lost: [], unacknowledged: [] });

    const tasks = await db.task.findMany({ where: { projectId: project.id }, select: { id: true, submittedCount: true, status: true } });
    const perTask = new Map<number, number>();
    for (const a of stored) perTask.set(a.taskId, (perTask.get(a.taskId) ?? 0) + 1);
    const mismatched = tasks.filter((t) => {
      const count = perTask.get(t.id) ?? 0;
      return count > OVERLAP || t.submittedCount !== count || (t.status === 'DONE') !== (count === OVERLAP);
    });
    expect(mismatched).toEqual([]);

    process.stderr.write(
      `[crash-durability] acknowledged ${tally.acknowledged.size} answers (${acknowledgedBeforeKill.join(', ')} before the kills), ` +
        `${tally.failedRequests} failed requests retried, ${tally.resentSubmits} submits sent again, ${tally.refused} refused as conflicts; ` +
        `the server answered again ${restartMs.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(' and ')} after each kill\n`,
    );
  }, 600_000);
});
