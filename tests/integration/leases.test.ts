/**
 * Leases hold: only the annotator the queue served a task to may submit, skip or flag it; a late
 * answer (lease expired) counts only while the task has room; one annotator asking twice at once
 * holds one lease. Counts are checked per task, not only which calls succeeded.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { db } from '@/server/db';
import { callerFor, catchTrpcError, createSignedInUser } from '../helpers/api';
import { createQueueProject, pairwiseAnswer, taskRow } from './queue-fixtures';

async function signedInCallers(n: number) {
  return Promise.all(Array.from({ length: n }, async () => callerFor(await createSignedInUser('annotator'))));
}

/** Every lease on the task runs out (its holders walked away). */
async function expireLeases(taskId: number) {
  await db.$executeRaw`UPDATE "Assignment" SET "expiresAt" = "expiresAt" - interval '1 day' WHERE "taskId" = ${taskId}`;
}

describe('leases are enforced on submit, skip and flag', () => {
  it('another annotator cannot submit, skip or flag a task they were not served, and nothing changes', async () => {
    const fixture = await createQueueProject({ taskCount: 2, overlap: 2 });
    const [t1, t2] = fixture.taskIds;
    const holder = await createSignedInUser('annotator');
    const intruderUser = await createSignedInUser('annotator');
    const [api, intruder] = [await callerFor(holder), await callerFor(intruderUser)];
    expect((await api.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(t1);
    // The intruder holds a lease, but on another task.
    expect((await intruder.queue.next({ projectId: fixture.projectId, excludeTaskIds: [t1] }))?.taskId).toBe(t2);

    // One at a time: started together, a rejection would wait unhandled while the first is awaited.
    const attempts = [
      () => intruder.annotations.submit({ clientId: randomUUID(), taskId: t1, answer: pairwiseAnswer(), timeSpentMs: 1 }),
      () => intruder.annotations.skip({ clientId: randomUUID(), taskId: t1, timeSpentMs: 1 }),
      () => intruder.annotations.flag({ clientId: randomUUID(), taskId: t1, reason: 'spam', timeSpentMs: 1 }),
    ];
    for (const attempt of attempts) {
      const error = await catchTrpcError(attempt());
      expect(error.code).toBe('CONFLICT');
      expect(error.message).toMatch(/do not hold task/);
    }
    expect(await taskRow(t1)).toEqual({ status: 'OPEN', submittedCount: 0 });
    expect(await db.annotation.count({ where: { taskId: t1 } })).toBe(0);
    expect(await db.assignment.count({ where: { taskId: t1 } })).toBe(1);

    // A flood of flags in one go changes nothing either (a batched request is many such calls).
    const flags = await Promise.allSettled(Array.from({ length: 50 }, () => intruder.annotations.flag({ clientId: randomUUID(), taskId: t1, reason: 'spam', timeSpentMs: 1 })));
    expect(flags.every((f) => f.status === 'rejected')).toBe(true);
    expect((await taskRow(t1)).status).toBe('OPEN');

    // The holder's answer still takes its slot; the intruder's own task is untouched.
    await api.annotations.submit({ clientId: randomUUID(), taskId: t1, answer: pairwiseAnswer(), timeSpentMs: 1 });
    expect(await taskRow(t1)).toEqual({ status: 'OPEN', submittedCount: 1 });
    expect(await taskRow(t2)).toEqual({ status: 'OPEN', submittedCount: 0 });
    expect(await db.annotation.findMany({ where: { taskId: t1 }, select: { userId: true, status: true } })).toEqual([{ userId: holder.id, status: 'SUBMITTED' }]);
  });

  it('an annotator whose lease expired may still skip or flag the task', async () => {
    const fixture = await createQueueProject({ taskCount: 2, overlap: 1 });
    const [t1, t2] = fixture.taskIds;
    const api = await callerFor(await createSignedInUser('annotator'));
    expect((await api.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(t1);
    expect((await api.queue.next({ projectId: fixture.projectId, excludeTaskIds: [t1] }))?.taskId).toBe(t2);
    await expireLeases(t1);
    await expireLeases(t2);
    await api.annotations.skip({ clientId: randomUUID(), taskId: t1, timeSpentMs: 1 });
    await api.annotations.flag({ clientId: randomUUID(), taskId: t2, reason: 'broken prompt', timeSpentMs: 1 });
    expect(await taskRow(t1)).toEqual({ status: 'OPEN', submittedCount: 0 });
    expect(await taskRow(t2)).toEqual({ status: 'FLAGGED', submittedCount: 0 });
  });
});

describe('late submits (the lease expired)', () => {
  it('count while nobody took the slot', async () => {
    const fixture = await createQueueProject({ taskCount: 1, overlap: 1 });
    const taskId = fixture.taskIds[0];
    const api = await callerFor(await createSignedInUser('annotator'));
    expect((await api.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(taskId);
    await expireLeases(taskId);
    await api.annotations.submit({ clientId: randomUUID(), taskId, answer: pairwiseAnswer(), timeSpentMs: 1 });
    expect(await taskRow(taskId)).toEqual({ status: 'DONE', submittedCount: 1 });
    expect(await db.assignment.count({ where: { taskId } })).toBe(0);
  });

  it('get CONFLICT once another annotator leased the slot, or filled the overlap', async () => {
    const fixture = await createQueueProject({ taskCount: 2, overlap: 2 });
    const [t1, t2] = fixture.taskIds;
    const [a, b, c, d] = await signedInCallers(4);
    // t1: a and b are served it, walk away; c and d are served it next and answer.
    expect((await a.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(t1);
    expect((await b.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(t1);
    await expireLeases(t1);
    expect((await c.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(t1);
    // c holds one slot and nobody has answered: one late answer still fits.
    await a.annotations.submit({ clientId: randomUUID(), taskId: t1, answer: pairwiseAnswer(), timeSpentMs: 1 });
    expect(await taskRow(t1)).toEqual({ status: 'OPEN', submittedCount: 1 });
    // 1 answer + c's lease = the overlap: b's late answer would take c's place.
    const taken = await catchTrpcError(b.annotations.submit({ clientId: randomUUID(), taskId: t1, answer: pairwiseAnswer(), timeSpentMs: 1 }));
    expect(taken.code).toBe('CONFLICT');
    expect(taken.message).toMatch(/lease on task \d+ expired and another annotator took its place/);
    expect(await taskRow(t1)).toEqual({ status: 'OPEN', submittedCount: 1 });
    await c.annotations.submit({ clientId: randomUUID(), taskId: t1, answer: pairwiseAnswer(), timeSpentMs: 1 });
    expect(await taskRow(t1)).toEqual({ status: 'DONE', submittedCount: 2 });
    // Filled: still CONFLICT, and b's lease stays his (no answer was recorded for him).
    const full = await catchTrpcError(b.annotations.submit({ clientId: randomUUID(), taskId: t1, answer: pairwiseAnswer(), timeSpentMs: 1 }));
    expect(full.code).toBe('CONFLICT');
    expect(full.message).toMatch(/expired and another annotator took its place/);
    expect(await db.annotation.count({ where: { taskId: t1 } })).toBe(2);

    // t2: an expired holder racing the annotator who holds the slot now never takes it from them.
    expect((await d.queue.next({ projectId: fixture.projectId, excludeTaskIds: [t1] }))?.taskId).toBe(t2);
    expect((await a.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(t2);
    await expireLeases(t2);
    expect((await b.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(t2);
    expect((await c.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(t2);
    const outcomes = await Promise.allSettled([d, a, b, c].map((api) => api.annotations.submit({ clientId: randomUUID(), taskId: t2, answer: pairwiseAnswer(), timeSpentMs: 1 })));
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'fulfilled', 'fulfilled']);
    expect(await taskRow(t2)).toEqual({ status: 'DONE', submittedCount: 2 });

    // Per task: never above the overlap, and the counter matches the rows.
    for (const taskId of fixture.taskIds) {
      const submitted = await db.annotation.count({ where: { taskId, status: 'SUBMITTED' } });
      expect(submitted).toBeLessThanOrEqual(2);
      expect((await taskRow(taskId)).submittedCount).toBe(submitted);
    }
  });

  it('a retried late submit with the same clientId stays idempotent after the first one released the lease', async () => {
    const fixture = await createQueueProject({ taskCount: 1, overlap: 1 });
    const taskId = fixture.taskIds[0];
    const [a, b] = await signedInCallers(2);
    expect((await a.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(taskId);
    await expireLeases(taskId);
    const request = { clientId: randomUUID(), taskId, answer: pairwiseAnswer(), timeSpentMs: 1 };
    const results = await Promise.all([a.annotations.submit(request), a.annotations.submit(request), a.annotations.submit(request)]);
    expect(new Set(results.map((r) => r.annotationId)).size).toBe(1);
    // Later, with the lease gone and the task DONE, the same request still answers the same.
    expect(await b.queue.next({ projectId: fixture.projectId })).toBeNull();
    expect((await a.annotations.submit(request)).annotationId).toBe(results[0].annotationId);
    expect(await taskRow(taskId)).toEqual({ status: 'DONE', submittedCount: 1 });
  });
});

describe('one annotator asking twice at once', () => {
  it('gets one task, not two leases', async () => {
    for (let round = 0; round < 8; round++) {
      const fixture = await createQueueProject({ taskCount: 4, overlap: 1 });
      const annotator = await createSignedInUser('annotator');
      const api = await callerFor(annotator);
      const [first, second] = await Promise.all([api.queue.next({ projectId: fixture.projectId }), api.queue.next({ projectId: fixture.projectId })]);
      expect(first?.taskId, `round ${round}`).toBe(second?.taskId);
      expect(await db.assignment.count({ where: { userId: annotator.id, projectId: fixture.projectId } }), `round ${round}`).toBe(1);
    }
  });
});
