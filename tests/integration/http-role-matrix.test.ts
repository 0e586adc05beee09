/**
 * The role matrix over real HTTP (run it under `flock /tmp/feedloop-e2e.lock`: it serves the shared
 * `next build`): every tRPC procedure × anonymous / annotator / reviewer / admin, with real session cookies
 * and the browser's wire format. A role the access table (tests/helpers/expected-access.ts) does
 * not allow gets 401 (anonymous) or 403; each allowed role makes at least one VALID call that
 * succeeds, so an access rule that refuses too much fails here too, not only one that refuses too
 * little. The valid inputs live in one table keyed by procedure; a procedure missing from it fails.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import superjson from 'superjson';
import { appRouter } from '@/server/api/root';
import { db } from '@/server/db';
import { createUserAccount } from '@/server/services/users';
import { FORM_PRESETS } from '@/lib/forms/schema';
import { startRealServer, type RealServer } from '../helpers/http-server';
import { EXPECTED_ACCESS, ROLES, isAllowed, type Role } from '../helpers/expected-access';

type Procedure = { _def: { type: 'query' | 'mutation' } };
const procedures = appRouter._def.procedures as unknown as Record<string, Procedure>;

let server: RealServer;
const cookies: Record<Role, string> = { anonymous: '', annotator: '', reviewer: '', admin: '' };

type Answer = { status: number; data: unknown; text: string };
async function call(name: string, input: unknown, role: Role): Promise<Answer> {
  const type = procedures[name]?._def.type;
  const wire = input === undefined ? undefined : JSON.stringify(superjson.serialize(input));
  const headers: Record<string, string> = { origin: server.baseUrl };
  if (cookies[role]) headers.cookie = cookies[role];
  const response =
    type === 'query'
      ? await fetch(`${server.baseUrl}/api/trpc/${name}${wire === undefined ? '' : `?input=${encodeURIComponent(wire)}`}`, { headers })
      : await fetch(`${server.baseUrl}/api/trpc/${name}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: wire });
  const text = await response.text();
  let data: unknown = null;
  try {
    const parsed = JSON.parse(text) as { result?: { data?: { json: unknown; meta?: Parameters<typeof superjson.deserialize>[0]['meta'] } } };
    if (parsed.result?.data) data = superjson.deserialize({ json: parsed.result.data.json as never, meta: parsed.result.data.meta });
  } catch {
    // Not JSON: the status and text say enough.
  }
  return { status: response.status, data, text: text.slice(0, 500) };
}

/** Calls that must succeed while setting up a valid input (a lease before a submit, a round before its cancel). */
async function must<T>(name: string, input: unknown, role: Role): Promise<T> {
  const answer = await call(name, input, role);
  if (answer.status !== 200) throw new Error(`setup call ${name} as ${role} answered ${answer.status}: ${answer.text}`);
  return answer.data as T;
}

type TaskView = { taskId: number; completions: { id: number; text: string }[] };
type Fixture = { projectId: number; versionId: number; runId: number; jobId: number; flaggedTaskId: number; snapshotId: number; apiKeyId: string; reviewedAnnotationId: number; goldTaskId: number };
const fx: Fixture = { projectId: 0, versionId: 0, runId: 0, jobId: 0, flaggedTaskId: 0, snapshotId: 0, apiKeyId: '', reviewedAnnotationId: 0, goldTaskId: 0 };

/** An open task of the fixture project that nobody holds or answered (to make a gold task of). */
async function openTaskId(): Promise<number> {
  const task = await db.task.findFirst({
    where: { projectId: fx.projectId, status: 'OPEN', isGold: false, submittedCount: 0, assignments: { none: {} } },
    orderBy: { id: 'desc' },
    select: { id: true },
  });
  if (!task) throw new Error('no open task left for a gold task');
  return task.id;
}

const JSONL = ['{"prompt": "Add 2 and 3", "completions": ["5", "6"]}', '{"prompt": "Name a colour", "completions": ["red", "blue"]}'].join('\n');

/** A task leased to `role` in the fixture project (the one it holds, or a new one). */
async function leaseTask(role: Role): Promise<TaskView> {
  const task = await must<TaskView | null>('queue.next', { projectId: fx.projectId }, role);
  if (!task) throw new Error(`no task left for ${role}`);
  return task;
}

async function createThrowawayUser(): Promise<string> {
  const user = await must<{ id: string }>(
    'users.create',
    { email: `matrix-${randomUUID().slice(0, 8)}@example.test`, name: 'Matrix Throwaway', password: 'throwaway password', role: 'annotator' },
    'admin',
  );
  return user.id;
}

/** A policy version row (versions come from training rounds, which need a worker). */
async function createPolicyVersion(name: string): Promise<number> {
  const version = await db.modelVersion.create({
    data: { projectId: fx.projectId, kind: 'POLICY', name: `${name}-${randomUUID().slice(0, 6)}`, config: {}, metrics: {}, artifactPath: `models/${name}`, format: 'full', sizeBytes: 1 },
    select: { id: true },
  });
  return version.id;
}

/**
 * A valid input for each procedure, as `role` (only allowed roles ask). In the order the test runs
 * them: some build on the state of earlier ones (a round before it is cancelled).
 */
const VALID_INPUTS: Record<string, (role: Role) => Promise<unknown> | unknown> = {
  'session.me': () => undefined,

  'projects.list': () => undefined,
  'projects.get': () => ({ projectId: fx.projectId }),
  'projects.create': () => ({ name: `Matrix ${randomUUID().slice(0, 6)}`, form: FORM_PRESETS.pairwise, completionsPerTask: 2 }),
  'projects.update': () => ({ projectId: fx.projectId, guidelines: 'Prefer the correct answer.' }),
  'projects.adminList': () => undefined,

  'imports.preview': () => ({ projectId: fx.projectId, fileName: 'more.jsonl', content: JSONL }),
  'imports.commit': () => ({ projectId: fx.projectId, fileName: 'more.jsonl', content: JSONL }),

  'queue.next': () => ({ projectId: fx.projectId }),
  'queue.progress': () => ({ projectId: fx.projectId, tzOffsetMinutes: -60 }),

  'annotations.submit': async (role) => ({ clientId: randomUUID(), taskId: (await leaseTask(role)).taskId, answer: { preference: { type: 'pairwise', choice: 'A' } }, timeSpentMs: 1200 }),
  'annotations.submitAndNext': async (role) => ({
    clientId: randomUUID(),
    taskId: (await leaseTask(role)).taskId,
    answer: { preference: { type: 'pairwise', choice: 'B' } },
    timeSpentMs: 900,
    excludeTaskIds: [],
  }),
  'annotations.last': () => ({ projectId: fx.projectId }),
  'annotations.recent': () => ({ projectId: fx.projectId }),
  'annotations.undo': () => ({ projectId: fx.projectId }),
  'annotations.skip': async (role) => ({ clientId: randomUUID(), taskId: (await leaseTask(role)).taskId, timeSpentMs: 300 }),
  'annotations.flag': async (role) => {
    const { taskId } = await leaseTask(role);
    fx.flaggedTaskId = taskId;
    return { clientId: randomUUID(), taskId, reason: 'The prompt is cut off', timeSpentMs: 300 };
  },

  'quality.agreement': () => ({ projectId: fx.projectId }),
  'quality.annotatorQuality': () => ({ projectId: fx.projectId }),
  'quality.positionBias': () => ({ projectId: fx.projectId }),
  'quality.consensusPreview': () => ({ projectId: fx.projectId }),

  'oversee.projectStats': () => ({ projectId: fx.projectId }),
  'oversee.recentAnnotations': () => ({ projectId: fx.projectId, limit: 10 }),
  'oversee.flaggedTasks': () => ({ projectId: fx.projectId }),
  'oversee.taskDetail': () => ({ projectId: fx.projectId, taskId: fx.flaggedTaskId }),
  'oversee.answerCharts': () => ({ projectId: fx.projectId }),
  'oversee.reopenTask': () => ({ taskId: fx.flaggedTaskId }),

  'training.overview': () => ({ projectId: fx.projectId }),
  'training.settings': () => ({ projectId: fx.projectId }),
  'training.updateSettings': () => ({ projectId: fx.projectId, autoContinue: false, roundSchedule: { kind: 'annotations', every: 500 } }),
  'training.setSecret': () => ({ projectId: fx.projectId, name: 'OPENAI_API_KEY', value: 'sk-matrix-test' }),
  'training.startRound': () => ({ projectId: fx.projectId, config: {} }),
  'training.round': () => ({ runId: fx.runId }),
  'training.cancelRound': () => ({ runId: fx.runId }),
  'training.compare': () => ({ versionIds: [fx.versionId] }),
  'training.promote': () => ({ versionId: fx.versionId }),
  'training.resetToBase': () => ({ projectId: fx.projectId }),
  'training.evaluate': () => ({ projectId: fx.projectId, versionIds: [fx.versionId], prompts: 10 }),
  'training.generate': () => ({ projectId: fx.projectId }),
  'training.job': () => ({ jobId: fx.jobId }),
  'training.cancelJob': () => ({ jobId: fx.jobId }),
  'training.workers': () => undefined,

  'arena.create': async () => ({ projectId: fx.projectId, versionIds: [fx.versionId, await createPolicyVersion('matrix-arena-rival')], settings: { prompts: 5 } }),
  'arena.list': () => ({ projectId: fx.projectId }),
  'arena.leaderboard': () => ({ projectId: fx.projectId }),

  'datasets.formats': () => undefined,
  'datasets.create': () => ({ projectId: fx.projectId, name: 'Matrix snapshot' }),
  'datasets.list': () => ({ projectId: fx.projectId }),
  'datasets.get': () => ({ snapshotId: fx.snapshotId }),
  'datasets.preview': () => ({ snapshotId: fx.snapshotId, format: 'trl-preference' }),
  'datasets.startExport': () => ({ snapshotId: fx.snapshotId, format: 'trl-preference', encoding: 'jsonl' }),
  'datasets.exportJobs': () => ({ projectId: fx.projectId }),

  'apiKeys.create': () => ({ name: 'Matrix key', scope: 'READ' }),
  'apiKeys.list': () => undefined,
  'apiKeys.revoke': () => ({ keyId: fx.apiKeyId }),

  'review.projects': () => undefined,
  'review.next': () => ({ projectId: fx.projectId }),
  'review.decide': async (role) => {
    const item = await must<{ annotationId: number } | null>('review.next', { projectId: fx.projectId }, role);
    if (!item) throw new Error(`nothing left to review for ${role}`);
    return { annotationId: item.annotationId, decision: 'ACCEPT' };
  },
  'review.history': () => ({ annotationId: fx.reviewedAnnotationId }),

  'gold.settings': () => ({ projectId: fx.projectId }),
  'gold.updateSettings': () => ({ projectId: fx.projectId, mixRate: 0.1, accuracyThreshold: 0.8, minGoldAnswers: 5 }),
  'gold.mark': async () => ({ projectId: fx.projectId, taskId: await openTaskId(), expected: { preference: { type: 'pairwise', choice: 'A' } }, tolerance: { score: 0, ranking: 0 } }),
  'gold.list': () => ({ projectId: fx.projectId }),
  'gold.unmark': () => ({ taskId: fx.goldTaskId }),
  'gold.import': async () => ({ projectId: fx.projectId, content: JSON.stringify({ taskId: await openTaskId(), expected: { preference: { type: 'pairwise', choice: 'B' } } }) }),
  'gold.accuracy': () => ({ projectId: fx.projectId }),
  'gold.resume': async () => {
    const userId = await createThrowawayUser();
    await db.annotatorPause.create({ data: { userId, projectId: fx.projectId, reason: 'gold-accuracy', goldAnswered: 5, goldCorrect: 1 } });
    return { projectId: fx.projectId, userId };
  },

  'users.list': () => undefined,
  'users.create': () => ({ email: `matrix-${randomUUID().slice(0, 8)}@example.test`, name: 'Matrix User', password: 'matrix password', role: 'annotator' }),
  'users.setDisabled': async () => ({ userId: await createThrowawayUser(), disabled: true }),
  'users.resetPassword': async () => ({ userId: await createThrowawayUser(), newPassword: 'a new password' }),
  'users.setRole': async () => ({ userId: await createThrowawayUser(), role: 'admin' }),
  'users.removePersonalData': async () => ({ userId: await createThrowawayUser() }),
  'users.auditLog': () => ({ limit: 20 }),
};

/** What a successful call leaves behind for the calls after it. */
function remember(name: string, data: unknown) {
  if (name === 'training.startRound') fx.runId = (data as { runId: number }).runId;
  if (name === 'training.generate') fx.jobId = (data as { id: number }).id;
  if (name === 'datasets.create') fx.snapshotId = (data as { id: number }).id;
  if (name === 'apiKeys.create') fx.apiKeyId = (data as { apiKey: { id: string } }).apiKey.id;
  if (name === 'review.decide') fx.reviewedAnnotationId = (data as { annotationId: number }).annotationId;
  if (name === 'gold.mark') fx.goldTaskId = (data as { taskId: number }).taskId;
}

describe('the role matrix over real HTTP', () => {
  beforeAll(async () => {
    server = await startRealServer({ databaseUrl: process.env.DATABASE_URL });
    const password = 'matrix password 1';
    await createUserAccount({ email: 'matrix-admin@example.test', password, name: 'Matrix Admin', role: 'admin' });
    await createUserAccount({ email: 'matrix-annotator@example.test', password, name: 'Matrix Annotator', role: 'annotator' });
    await createUserAccount({ email: 'matrix-reviewer@example.test', password, name: 'Matrix Reviewer', role: 'reviewer' });
    cookies.admin = await server.signIn('matrix-admin@example.test', password);
    cookies.annotator = await server.signIn('matrix-annotator@example.test', password);
    cookies.reviewer = await server.signIn('matrix-reviewer@example.test', password);

    // The fixture project is built through the API as the admin; the one policy version through
    // Prisma (versions come from training rounds, which need a worker).
    const project = await must<{ id: number }>('projects.create', { name: 'Matrix project', form: FORM_PRESETS.pairwise, completionsPerTask: 2, overlap: 2 }, 'admin');
    fx.projectId = project.id;
    const lines = Array.from({ length: 24 }, (_, i) => JSON.stringify({ prompt: `Question ${i}`, completions: [`Answer ${i}a`, `Answer ${i}b`] }));
    await must('imports.commit', { projectId: fx.projectId, fileName: 'tasks.jsonl', content: lines.join('\n') }, 'admin');
    const version = await db.modelVersion.create({
      data: { projectId: fx.projectId, kind: 'POLICY', name: 'matrix-policy', config: {}, metrics: {}, artifactPath: 'models/matrix-policy', format: 'full', sizeBytes: 1 },
      select: { id: true },
    });
    fx.versionId = version.id;
    // A stale `next build` is rebuilt first: minutes on a 2-core machine.
  }, 900_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('every procedure of the router has a valid input in the table, and a rule in the access table', () => {
    const declared = Object.keys(procedures).sort();
    expect(declared).toEqual(Object.keys(VALID_INPUTS).sort());
    expect(declared).toEqual(Object.keys(EXPECTED_ACCESS).sort());
  });

  it('each allowed role succeeds with a valid call; the others get 401 (anonymous) or 403', async () => {
    const failures: string[] = [];
    for (const [name, build] of Object.entries(VALID_INPUTS)) {
      const access = EXPECTED_ACCESS[name];
      if (!access || !procedures[name]) continue; // reported by the test above
      let input: unknown;
      // Allowed roles from the most privileged down: an annotator procedure's admin call leaves the annotator's state alone.
      for (const role of [...ROLES].reverse().filter((r) => isAllowed(access, r))) {
        input = await build(role);
        const answer = await call(name, input, role);
        if (answer.status !== 200) failures.push(`${role} ${name} (allowed) answered ${answer.status}: ${answer.text}`);
        else remember(name, answer.data);
      }
      for (const role of ROLES.filter((r) => !isAllowed(access, r))) {
        const answer = await call(name, input, role);
        const expected = role === 'anonymous' ? 401 : 403;
        if (answer.status !== expected) failures.push(`${role} ${name} (not allowed) answered ${answer.status}, expected ${expected}: ${answer.text}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
