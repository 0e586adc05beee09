/**
 * A trainer worker and the web side's database client ride out a PostgreSQL restart: a real worker
 * process (scripts/worker-process.ts) and the web's Prisma singleton (server/db.ts) run against a
 * PostgreSQL of this file's own, which is stopped and started again on the same port. The worker
 * must still be alive afterwards and claim and complete a job queued after the restart (a generate
 * job from an OpenAI-compatible endpoint, the cheapest real job: a local stand-in answers), and
 * GET /api/health's report (server/services/health.ts) must follow: 503 while the database is down,
 * then the live and busy workers and the queue depth.
 *
 * Why a PostgreSQL of its own: the restart must not touch the server the other test files share.
 * The server modules read DATABASE_URL when first imported, so this file points it at that server
 * before importing them (dynamic imports below).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../scripts/embedded-postgres';
import { startWorkerProcess, temporaryDataDir, waitFor, type WorkerProcess } from '../../scripts/worker-process';
import { applyMigrations } from '../../prisma/migrate';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../helpers/fake-openai-server';
import type { GenerationSettings } from '@/server/jobs/contracts';

const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'feedloop-worker-restart-'));
const postgres = await startEmbeddedPostgres({ dataDir: path.join(tempDir, 'pg'), database: 'worker_restart' });
await applyMigrations(postgres.url);
process.env.DATABASE_URL = postgres.url;

const { db } = await import('@/server/db');
const { readHealth } = await import('@/server/services/health');
const { enqueueJob } = await import('@/server/jobs/queue');
const { queueGeneration, setProjectSecret } = await import('@/server/services/training-rounds');
const { createSignedInUser } = await import('../helpers/api');
const { createArithmeticProject, rateCorrectly } = await import('./training-fixtures');

const artifacts = temporaryDataDir();
let worker: WorkerProcess;
let endpoint: FakeOpenAIServer;

function generation(baseUrl: string): GenerationSettings {
  return {
    source: { kind: 'openai', baseUrl, model: 'served-model', apiKeySecret: 'ENDPOINT_KEY', timeoutMs: 10_000, concurrency: 1, maxRetries: 0 },
    sampling: { temperature: 0.7, topK: 0, topP: 0.9, maxNewTokens: 64, stop: [], seed: 5 },
    template: 'plain',
    samplesPerPrompt: 2,
    pairSelection: 'disagreement',
    promptsPerJob: 3,
  };
}

beforeAll(async () => {
  endpoint = await startFakeOpenAIServer();
  // Generate jobs only: an evaluate job queued below stays in the queue, a known queue depth.
  worker = startWorkerProcess({ databaseUrl: postgres.url, dataDir: artifacts, env: { WORKER_KINDS: 'generate' } });
});

afterAll(async () => {
  await worker?.kill();
  await endpoint?.close();
  await db.$disconnect();
  await postgres.stop();
  fs.rmSync(tempDir, { recursive: true, force: true });
  fs.rmSync(artifacts, { recursive: true, force: true });
});

describe('a PostgreSQL restart under a running worker and web process', () => {
  it('the worker stays alive and completes a job queued after the restart; health follows the database', async () => {
    const health = await waitFor(
      'health to show the worker live',
      async () => {
        const h = await readHealth();
        return h.body.status === 'ok' && h.body.workers.live === 1 ? h : undefined;
      },
      { timeoutMs: 60_000, onTimeout: () => worker.output() },
    );
    expect(health).toEqual({ httpStatus: 200, body: { status: 'ok', database: 'ok', workers: { live: 1, busy: 0 }, queue: { queued: 0 } } });

    await postgres.stop();
    expect(await readHealth()).toEqual({ httpStatus: 503, body: { status: 'unavailable', database: 'unreachable' } });
    await waitFor('the worker to notice the outage', async () => worker.output().includes('database call failed'), { timeoutMs: 20_000, onTimeout: () => worker.output() });
    expect(worker.child.exitCode).toBeNull();

    await postgres.restart();
    await waitFor('the worker to reconnect', async () => worker.output().includes('database answering again'), { timeoutMs: 30_000, onTimeout: () => worker.output() });
    expect(worker.child.exitCode).toBeNull();
    expect(worker.child.signalCode).toBeNull();

    // The web's pool reconnects by itself: rows are written through it right after the restart.
    const admin = await createSignedInUser('admin');
    const annotator = await createSignedInUser('annotator');
    const project = await createArithmeticProject({ admin, trainPrompts: 3, heldoutPrompts: 0 });
    expect(await rateCorrectly({ annotator, projectId: project.id, count: 3 })).toBe(3);
    await setProjectSecret({ projectId: project.id, name: 'ENDPOINT_KEY', value: 'sk-test-secret-value' });
    await enqueueJob(db, { kind: 'evaluate', payload: { projectId: project.id, modelVersionIds: [1], prompts: 10 }, projectId: project.id });

    // Each answer takes a moment, so the report can be seen while the job runs.
    endpoint.setBehaviour({ delayMs: 400 });
    const { id } = await queueGeneration({ projectId: project.id, userId: admin.id, settings: generation(endpoint.url) });
    const busy = await waitFor(
      'health to show the worker busy',
      async () => {
        const h = await readHealth();
        return h.body.status === 'ok' && h.body.workers.busy === 1 ? h : undefined;
      },
      { timeoutMs: 30_000, onTimeout: () => worker.output() },
    );
    expect(busy.body).toEqual({ status: 'ok', database: 'ok', workers: { live: 1, busy: 1 }, queue: { queued: 1 } });

    const job = await waitFor(
      'the generate job to end',
      async () => {
        const j = await db.job.findUniqueOrThrow({ where: { id }, select: { status: true, error: true, attempts: true } });
        return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(j.status) ? j : undefined;
      },
      { timeoutMs: 90_000, onTimeout: () => worker.output().slice(-3000) },
    );
    expect(job).toEqual({ status: 'SUCCEEDED', error: null, attempts: 1 });
    // One new open task per rated prompt, from the endpoint's answers.
    expect(await db.task.count({ where: { projectId: project.id, status: 'OPEN' } })).toBe(3);

    const idle = await waitFor(
      'health to show the worker idle again',
      async () => {
        const h = await readHealth();
        return h.body.status === 'ok' && h.body.workers.busy === 0 ? h : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(idle.body).toEqual({ status: 'ok', database: 'ok', workers: { live: 1, busy: 0 }, queue: { queued: 1 } });
    expect(worker.child.exitCode).toBeNull();
  });

  it('a job running through the restart keeps its heartbeat thread and succeeds on its first attempt', async () => {
    const admin = await createSignedInUser('admin');
    const annotator = await createSignedInUser('annotator');
    const project = await createArithmeticProject({ admin, trainPrompts: 3, heldoutPrompts: 0 });
    await rateCorrectly({ annotator, projectId: project.id, count: 3 });
    await setProjectSecret({ projectId: project.id, name: 'ENDPOINT_KEY', value: 'sk-test-secret-value' });
    // Three answers, one at a time, 3 s each: the restart happens while the job waits on them.
    endpoint.setBehaviour({ delayMs: 3000 });
    const outputBefore = worker.output().length;
    const { id } = await queueGeneration({ projectId: project.id, userId: admin.id, settings: generation(endpoint.url) });
    await waitFor('the job to run', async () => (await db.job.findUniqueOrThrow({ where: { id }, select: { status: true } })).status === 'RUNNING', { timeoutMs: 30_000 });

    await postgres.stop();
    await waitFor('the heartbeat thread to notice the outage', async () => worker.output().slice(outputBefore).includes('heartbeat failed'), { timeoutMs: 20_000, onTimeout: () => worker.output() });
    await postgres.restart();
    const [{ restartedAt }] = await db.$queryRaw<{ restartedAt: Date }[]>`SELECT (now() AT TIME ZONE 'UTC') AS "restartedAt"`;
    await waitFor('the heartbeat thread to reconnect', async () => worker.output().slice(outputBefore).includes('heartbeat: database answering again'), {
      timeoutMs: 30_000,
      onTimeout: () => worker.output(),
    });
    // Its beats land again while the job still runs.
    const running = await db.job.findUniqueOrThrow({ where: { id }, select: { status: true, heartbeatAt: true } });
    expect(running.status).toBe('RUNNING');
    expect(running.heartbeatAt?.getTime()).toBeGreaterThanOrEqual(restartedAt.getTime());

    const job = await waitFor(
      'the job to end',
      async () => {
        const j = await db.job.findUniqueOrThrow({ where: { id }, select: { status: true, error: true, attempts: true } });
        return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(j.status) ? j : undefined;
      },
      { timeoutMs: 90_000, onTimeout: () => worker.output().slice(-3000) },
    );
    expect(job).toEqual({ status: 'SUCCEEDED', error: null, attempts: 1 });
    expect(await db.task.count({ where: { projectId: project.id, status: 'OPEN' } })).toBe(3);
    expect(worker.child.exitCode).toBeNull();
  });
});
