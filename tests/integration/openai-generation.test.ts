/**
 * Generate jobs against an OpenAI-compatible endpoint, run by a real worker process: tasks from the
 * endpoint's answers, the API key from the project's secret; timeouts, 429 with Retry-After,
 * malformed answers and a dead endpoint each end the job with a clear error and no partial tasks.
 * The endpoint is a local stand-in that speaks the chat-completions protocol (a remote service).
 */
import fs from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/server/db';
import type { GenerationSettings } from '@/server/jobs/contracts';
import { queueGeneration, setProjectSecret } from '@/server/services/training-rounds';
import { createSignedInUser, type TestUser } from '../helpers/api';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../helpers/fake-openai-server';
import { startWorkerProcess, temporaryDataDir, waitFor, type WorkerProcess } from '../../scripts/worker-process';
import { createArithmeticProject, rateCorrectly } from './training-fixtures';

const dataDir = temporaryDataDir();
let worker: WorkerProcess;
let endpoint: FakeOpenAIServer;
let admin: TestUser;
let annotator: TestUser;

function settingsFor(baseUrl: string, overrides: Partial<Extract<GenerationSettings['source'], { kind: 'openai' }>> = {}): GenerationSettings {
  return {
    source: { kind: 'openai', baseUrl, model: 'served-model', apiKeySecret: 'ENDPOINT_KEY', timeoutMs: 2000, concurrency: 2, maxRetries: 1, ...overrides },
    sampling: { temperature: 0.7, topK: 0, topP: 0.9, maxNewTokens: 64, stop: [], seed: 5 },
    template: 'plain',
    samplesPerPrompt: 2,
    pairSelection: 'disagreement',
    promptsPerJob: 3,
  };
}

/** A project whose three prompts have no open task (rated), so generation may add one each. */
async function readyProject() {
  const project = await createArithmeticProject({ admin, trainPrompts: 3, heldoutPrompts: 0 });
  await rateCorrectly({ annotator, projectId: project.id, count: 3 });
  await setProjectSecret({ projectId: project.id, name: 'ENDPOINT_KEY', value: 'sk-test-secret-value' });
  return project;
}

async function runGeneration(projectId: number, settings: GenerationSettings) {
  const before = await db.task.count({ where: { projectId } });
  const { id } = await queueGeneration({ projectId, userId: admin.id, settings });
  const job = await waitFor(
    'the generate job to end',
    async () => {
      const j = await db.job.findUniqueOrThrow({ where: { id } });
      return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(j.status) ? j : undefined;
    },
    { timeoutMs: 90_000, onTimeout: () => worker.output().slice(-3000) },
  );
  const created = (await db.task.count({ where: { projectId } })) - before;
  return { job, created };
}

async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  admin = await createSignedInUser('admin');
  annotator = await createSignedInUser('annotator');
  endpoint = await startFakeOpenAIServer();
  worker = startWorkerProcess({ databaseUrl: process.env.DATABASE_URL as string, dataDir });
});

afterAll(async () => {
  await worker?.kill();
  await endpoint?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('generation from an OpenAI-compatible endpoint', () => {
  it('creates one task per prompt from the endpoint answers, sending the key from the project secret', async () => {
    const project = await readyProject();
    endpoint.setBehaviour({ reply: (request, i) => `Answer ${i} to: ${(request.body as { messages: { content: string }[] }).messages.at(-1)?.content}` });
    const first = endpoint.requests.length;
    const { job, created } = await runGeneration(project.id, settingsFor(endpoint.url));
    expect(job.error).toBeNull();
    expect(job.status).toBe('SUCCEEDED');
    expect(created).toBe(3);
    const requests = endpoint.requests.slice(first);
    expect(requests.length).toBeGreaterThanOrEqual(3);
    for (const request of requests) {
      expect(request.headers.authorization).toBe('Bearer sk-test-secret-value');
      expect(request.body).toMatchObject({ model: 'served-model', temperature: 0.7, top_p: 0.9, max_tokens: 64 });
    }
    const tasks = await db.task.findMany({ where: { projectId: project.id, status: 'OPEN' }, include: { prompt: true } });
    for (const task of tasks) {
      const texts = (await db.completion.findMany({ where: { id: { in: task.completionIds } } })).map((c) => c.text).sort();
      expect(texts).toEqual([`Answer 0 to: ${task.prompt.text}`, `Answer 1 to: ${task.prompt.text}`]);
    }
    expect(job.error ?? '').not.toContain('sk-test');
  });

  it.each([
    ['a timeout', { delayMs: 5000 }, { timeoutMs: 300 }, /timed out after 300 ms/],
    ['429 with Retry-After on every request', { fail: { kind: 'status', status: 429, retryAfter: '1' } }, {}, /429/],
    ['a malformed response', { fail: { kind: 'malformed-json' } }, {}, /malformed/],
  ] as const)('%s fails the job with a clear error and creates no task', async (_name, behaviour, source, message) => {
    const project = await readyProject();
    endpoint.setBehaviour(behaviour);
    const { job, created } = await runGeneration(project.id, settingsFor(endpoint.url, source));
    expect(job.status).toBe('FAILED');
    expect(job.error).toMatch(message);
    expect(job.error).toContain(endpoint.url.replace(/\/v1$/, ''));
    expect(job.error).not.toContain('sk-test');
    expect(created).toBe(0);
    expect(await db.completion.count({ where: { prompt: { projectId: project.id }, source: 'MODEL' } })).toBe(0);
  });

  it('a 429 that clears after Retry-After is waited out and succeeds', async () => {
    const project = await readyProject();
    endpoint.setBehaviour({ failFirst: { count: 1, failure: { kind: 'status', status: 429, retryAfter: '1' } } });
    const { job, created } = await runGeneration(project.id, settingsFor(endpoint.url, { concurrency: 1 }));
    expect(job.error).toBeNull();
    expect(created).toBe(3);
  });

  it('a dead endpoint fails the job with "did not answer" and creates no task', async () => {
    const project = await readyProject();
    const url = `http://127.0.0.1:${await deadPort()}/v1`;
    const { job, created } = await runGeneration(project.id, settingsFor(url));
    expect(job.status).toBe('FAILED');
    expect(job.error).toMatch(/did not answer/);
    expect(created).toBe(0);
  });

  it('a missing secret is named in the error', async () => {
    const project = await readyProject();
    const { job } = await runGeneration(project.id, settingsFor(endpoint.url, { apiKeySecret: 'NOT_SET' }));
    expect(job.status).toBe('FAILED');
    expect(job.error).toBe("The project has no secret named NOT_SET (set it in the project's generation settings)");
  });
});
