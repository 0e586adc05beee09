import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { db } from '@/server/db';
import { callerFor, createSignedInUser } from '../helpers/api';
import { createQueueProject, pairwiseAnswer } from './queue-fixtures';

const ANNOTATORS = 20;

async function signedInCallers(n: number) {
  return Promise.all(Array.from({ length: n }, async () => callerFor(await createSignedInUser('annotator'))));
}

function countBy<T>(items: T[]): Map<T, number> {
  const counts = new Map<T, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return counts;
}

describe('queue under concurrency (overlap 2, 20 annotators at once)', () => {
  it('never leases a task three times, nor twice to one annotator, across rounds of next -> submit', async () => {
    const fixture = await createQueueProject({ taskCount: 25, overlap: 2 });
    const callers = await signedInCallers(ANNOTATORS);
    const seenBy = callers.map(() => new Set<number>());

    for (let round = 0; round < 3; round++) {
      const tasks = await Promise.all(callers.map((api) => api.queue.next({ projectId: fixture.projectId })));
      const leased = tasks.flatMap((t) => (t ? [t.taskId] : []));
      // 40 slots only after earlier rounds filled some: every holder is a distinct slot.
      for (const [taskId, holders] of countBy(leased)) {
        const submitted = (await db.task.findUniqueOrThrow({ where: { id: taskId }, select: { submittedCount: true } })).submittedCount;
        expect(holders + submitted, `task ${taskId} in round ${round}`).toBeLessThanOrEqual(2);
      }
      tasks.forEach((t, i) => {
        if (!t) return;
        expect(seenBy[i].has(t.taskId), `annotator ${i} got task ${t.taskId} twice`).toBe(false);
        seenBy[i].add(t.taskId);
      });
      await Promise.all(tasks.map((t, i) => (t ? callers[i].annotations.submit({ clientId: randomUUID(), taskId: t.taskId, answer: pairwiseAnswer(), timeSpentMs: 100 }) : null)));
    }

    const perTask = await db.annotation.groupBy({ by: ['taskId'], where: { projectId: fixture.projectId }, _count: { _all: true } });
    expect(Math.max(...perTask.map((g) => g._count._all))).toBeLessThanOrEqual(2);
    const perPair = await db.annotation.groupBy({ by: ['taskId', 'userId'], where: { projectId: fixture.projectId }, _count: { _all: true } });
    expect(perPair.every((g) => g._count._all === 1)).toBe(true);
    const tasks = await db.task.findMany({ where: { projectId: fixture.projectId }, select: { id: true, submittedCount: true, status: true } });
    for (const task of tasks) {
      const answers = perTask.find((g) => g.taskId === task.id)?._count._all ?? 0;
      expect(task.submittedCount).toBe(answers);
      expect(task.status).toBe(answers >= 2 ? 'DONE' : 'OPEN');
    }
    // 3 rounds x 20 annotators = 60 answers fit in 25 tasks x 2 = 50 slots: all are used.
    expect(perTask.reduce((sum, g) => sum + g._count._all, 0)).toBe(50);
  });

  it('gives each of 20 simultaneous askers a distinct slot when slots are scarce', async () => {
    const fixture = await createQueueProject({ taskCount: 5, overlap: 2 });
    const callers = await signedInCallers(ANNOTATORS);
    const tasks = await Promise.all(callers.map((api) => api.queue.next({ projectId: fixture.projectId })));
    const leased = tasks.flatMap((t) => (t ? [t.taskId] : []));
    expect(leased).toHaveLength(10);
    expect([...countBy(leased).values()].every((n) => n === 2)).toBe(true);
  });

  it('returns a task to the queue when its lease expires, and another annotator gets it', async () => {
    const fixture = await createQueueProject({ taskCount: 10, overlap: 2 });
    const first = await signedInCallers(ANNOTATORS);
    const leased = (await Promise.all(first.map((api) => api.queue.next({ projectId: fixture.projectId })))).flatMap((t) => (t ? [t.taskId] : []));
    expect(leased).toHaveLength(20);
    const latecomer = await callerFor(await createSignedInUser('annotator'));
    expect(await latecomer.queue.next({ projectId: fixture.projectId })).toBeNull();

    // Everyone walks away: their leases run out.
    await db.$executeRaw`UPDATE "Assignment" SET "expiresAt" = "expiresAt" - interval '1 day' WHERE "projectId" = ${fixture.projectId}`;
    const others = [latecomer, ...(await signedInCallers(ANNOTATORS - 1))];
    const again = (await Promise.all(others.map((api) => api.queue.next({ projectId: fixture.projectId })))).flatMap((t) => (t ? [t.taskId] : []));
    expect(again).toHaveLength(20);
    expect(new Set(again)).toEqual(new Set(fixture.taskIds));
  });
});
