/**
 * annotations.submitAndNext: the rating page's one round trip per task. It must store the answer
 * exactly as annotations.submit does (lease, idempotency, validation) and hand out the task
 * queue.next would, and a batched HTTP request must look the session up once, not once per call.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import superjson from 'superjson';
import { appRouter } from '@/server/api/root';
import { createContext } from '@/server/api/trpc';
import { db } from '@/server/db';
import { callerFor, catchTrpcError, createSignedInUser } from '../helpers/api';
import { createQueueProject, pairwiseAnswer, taskRow } from './queue-fixtures';

// Counts session lookups while still doing them for real.
const sessionLookups = vi.hoisted(() => ({ count: 0 }));
vi.mock('@/server/auth', async (importOriginal) => {
  const original = await importOriginal<typeof import('@/server/auth')>();
  return {
    ...original,
    getSessionUser: (headers: Headers) => {
      sessionLookups.count++;
      return original.getSessionUser(headers);
    },
  };
});

const leasesOf = (userId: string) => db.assignment.findMany({ where: { userId }, select: { taskId: true }, orderBy: { taskId: 'asc' } }).then((rows) => rows.map((r) => r.taskId));

describe('annotations.submitAndNext', () => {
  it('stores the answer once and returns the next task in queue order', async () => {
    const fixture = await createQueueProject({ taskCount: 3, overlap: 1 });
    const [t0, t1, t2] = fixture.taskIds;
    const user = await createSignedInUser('annotator');
    const api = await callerFor(user);
    expect((await api.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(t0);

    const request = { clientId: randomUUID(), taskId: t0, answer: pairwiseAnswer('B'), timeSpentMs: 4321 };
    const result = await api.annotations.submitAndNext(request);
    expect(result.next?.taskId).toBe(t1);
    expect(result.next?.projectId).toBe(fixture.projectId);
    // The completions in the task's stored display order, as queue.next serves them.
    expect(result.next?.completions.map((c) => c.id)).toEqual(fixture.completionIdsByTask.get(t1));
    expect(result.next?.prompt.text).toBe('Prompt 1');

    const stored = await db.annotation.findMany({ where: { taskId: t0 }, select: { id: true, clientId: true, userId: true, status: true, answer: true, timeSpentMs: true } });
    expect(stored).toEqual([{ id: result.annotationId, clientId: request.clientId, userId: user.id, status: 'SUBMITTED', answer: pairwiseAnswer('B'), timeSpentMs: 4321 }]);
    expect(await taskRow(t0)).toEqual({ status: 'DONE', submittedCount: 1 });
    // The answered task's lease went; the next one is leased to me.
    expect(await leasesOf(user.id)).toEqual([t1]);
    // Undo works on it as on a plain submit.
    expect(await api.annotations.last({ projectId: fixture.projectId })).toEqual({ annotationId: result.annotationId, undoableUntil: result.undoableUntil });

    const second = await api.annotations.submitAndNext({ clientId: randomUUID(), taskId: t1, answer: pairwiseAnswer('A'), timeSpentMs: 1 });
    expect(second.next?.taskId).toBe(t2);
    const last = await api.annotations.submitAndNext({ clientId: randomUUID(), taskId: t2, answer: pairwiseAnswer('A'), timeSpentMs: 1 });
    expect(last.next).toBeNull();
    expect(await db.annotation.count({ where: { userId: user.id } })).toBe(3);
    expect(await leasesOf(user.id)).toEqual([]);
  });

  it('honours excludeTaskIds: a task the page already holds is not returned again', async () => {
    const fixture = await createQueueProject({ taskCount: 4, overlap: 1 });
    const [t0, t1, t2] = fixture.taskIds;
    const user = await createSignedInUser('annotator');
    const api = await callerFor(user);
    // On screen t0, prefetched t1 (as the rating page does).
    expect((await api.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(t0);
    expect((await api.queue.next({ projectId: fixture.projectId, excludeTaskIds: [t0] }))?.taskId).toBe(t1);
    const result = await api.annotations.submitAndNext({ clientId: randomUUID(), taskId: t0, answer: pairwiseAnswer(), timeSpentMs: 1, excludeTaskIds: [t1] });
    expect(result.next?.taskId).toBe(t2);
    expect(await leasesOf(user.id)).toEqual([t1, t2]);
    // Without the exclusion, a task I hold comes back first (nothing is ever skipped).
    const again = await api.annotations.submitAndNext({ clientId: randomUUID(), taskId: t2, answer: pairwiseAnswer(), timeSpentMs: 1 });
    expect(again.next?.taskId).toBe(t1);
  });

  it('a retried request (same clientId, 5 copies at once, then late) stores one answer and returns the same next task', async () => {
    const fixture = await createQueueProject({ taskCount: 4, overlap: 2 });
    const [t0, t1] = fixture.taskIds;
    const user = await createSignedInUser('annotator');
    const api = await callerFor(user);
    expect((await api.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(t0);
    const request = { clientId: randomUUID(), taskId: t0, answer: pairwiseAnswer('tie'), timeSpentMs: 10 };
    const results = await Promise.all(Array.from({ length: 5 }, () => api.annotations.submitAndNext(request)));
    expect(new Set(results.map((r) => r.annotationId)).size).toBe(1);
    expect(results.map((r) => r.next?.taskId)).toEqual(Array(5).fill(t1));
    expect(await db.annotation.count({ where: { taskId: t0 } })).toBe(1);
    expect(await taskRow(t0)).toEqual({ status: 'OPEN', submittedCount: 1 });
    expect(await leasesOf(user.id)).toEqual([t1]);

    const late = await api.annotations.submitAndNext(request);
    expect(late.annotationId).toBe(results[0].annotationId);
    expect(late.next?.taskId).toBe(t1);
    expect(await db.annotation.count({ where: { userId: user.id } })).toBe(1);
    expect(await leasesOf(user.id)).toEqual([t1]);
  });

  it('refuses a task the caller does not hold, or an invalid answer: nothing stored, nothing leased', async () => {
    const fixture = await createQueueProject({ taskCount: 3, overlap: 2 });
    const [t0, t1] = fixture.taskIds;
    const alice = await createSignedInUser('annotator');
    const bob = await createSignedInUser('annotator');
    const aliceApi = await callerFor(alice);
    const bobApi = await callerFor(bob);
    expect((await aliceApi.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(t0);

    // Held by Alice, not by Bob; and t1, held by nobody.
    for (const taskId of [t0, t1]) {
      const error = await catchTrpcError(bobApi.annotations.submitAndNext({ clientId: randomUUID(), taskId, answer: pairwiseAnswer(), timeSpentMs: 1 }));
      expect(error.code).toBe('CONFLICT');
      expect(error.message).toMatch(new RegExp(`You do not hold task ${taskId}`));
    }
    expect(await db.annotation.count({ where: { projectId: fixture.projectId } })).toBe(0);
    expect(await leasesOf(bob.id)).toEqual([]);

    // Alice's answer that misses the required question.
    const invalid = await catchTrpcError(aliceApi.annotations.submitAndNext({ clientId: randomUUID(), taskId: t0, answer: {}, timeSpentMs: 1 }));
    expect(invalid.code).toBe('BAD_REQUEST');
    expect((invalid.cause as { details?: unknown } | undefined)?.details).toEqual({ problems: [{ questionId: 'preference', message: 'an answer is required' }] });
    expect(await db.annotation.count({ where: { projectId: fixture.projectId } })).toBe(0);
    expect(await leasesOf(alice.id)).toEqual([t0]);
    expect(await taskRow(t0)).toEqual({ status: 'OPEN', submittedCount: 0 });
  });
});

describe('one session lookup per HTTP request', () => {
  let server: http.Server;
  let baseUrl = '';
  beforeAll(async () => {
    // tRPC's standalone adapter, as server/http/main.ts mounts it, with the app's own context.
    const handler = createHTTPHandler({ router: appRouter, basePath: '/api/trpc/', createContext: ({ req }) => createContext({ headers: new Headers({ cookie: req.headers.cookie ?? '' }) }) });
    server = http.createServer((req, res) => void handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/trpc`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  type BatchReply = { result?: { data: unknown }; error?: { json: { data?: { code?: string } } } }[];
  const batchInput = (inputs: unknown[]) => JSON.stringify(Object.fromEntries(inputs.map((input, i) => [String(i), superjson.serialize(input)])));
  const read = <T>(reply: BatchReply[number]) => superjson.deserialize(reply.result?.data as Parameters<typeof superjson.deserialize>[0]) as T;

  it('a batch of three queries costs one lookup, and submitAndNext works over HTTP with the session cookie', async () => {
    const fixture = await createQueueProject({ taskCount: 3, overlap: 1 });
    const [t0, t1] = fixture.taskIds;
    const user = await createSignedInUser('annotator');
    const cookie = user.headers.get('cookie') ?? '';
    const project = { projectId: fixture.projectId };

    sessionLookups.count = 0;
    const queries = await fetch(`${baseUrl}/queue.progress,annotations.last,session.me?batch=1&input=${encodeURIComponent(batchInput([project, project, undefined]))}`, { headers: { cookie } });
    expect(queries.status).toBe(200);
    const queryReplies = (await queries.json()) as BatchReply;
    expect(queryReplies.map((r) => (r.error ? 'error' : 'ok'))).toEqual(['ok', 'ok', 'ok']);
    expect(sessionLookups.count).toBe(1);

    sessionLookups.count = 0;
    const next = await fetch(`${baseUrl}/queue.next?batch=1`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: batchInput([project]) });
    expect(read<{ taskId: number }>(((await next.json()) as BatchReply)[0]).taskId).toBe(t0);
    expect(sessionLookups.count).toBe(1);

    sessionLookups.count = 0;
    const submitInput = { clientId: randomUUID(), taskId: t0, answer: pairwiseAnswer('A'), timeSpentMs: 5 };
    const mutations = await fetch(`${baseUrl}/annotations.submitAndNext?batch=1`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: batchInput([submitInput]) });
    const replies = (await mutations.json()) as BatchReply;
    const result = read<{ annotationId: number; undoableUntil: Date; next: { taskId: number } | null }>(replies[0]);
    expect(result.next?.taskId).toBe(t1);
    expect(result.undoableUntil).toBeInstanceOf(Date);
    expect(sessionLookups.count).toBe(1);
    expect(await db.annotation.count({ where: { taskId: t0, userId: user.id } })).toBe(1);

    // Signed out: refused, nothing stored.
    const anonymous = await fetch(`${baseUrl}/annotations.submitAndNext`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(superjson.serialize({ ...submitInput, clientId: randomUUID(), taskId: t1 })),
    });
    expect(anonymous.status).toBe(401);
    expect(await db.annotation.count({ where: { taskId: t1 } })).toBe(0);
  });
});
