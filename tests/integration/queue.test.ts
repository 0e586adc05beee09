import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { db } from '@/server/db';
import { callerFor, createSignedInUser } from '../helpers/api';
import { createQueueProject, pairwiseAnswer, taskRow } from './queue-fixtures';

describe('queue.next', () => {
  it('hands out a task with its prompt and completions in display order, then resumes the same lease', async () => {
    const fixture = await createQueueProject({ taskCount: 3, overlap: 1 });
    const annotator = await createSignedInUser('annotator');
    const api = await callerFor(annotator);
    const first = await api.queue.next({ projectId: fixture.projectId });
    expect(first).not.toBeNull();
    expect(first?.taskId).toBe(fixture.taskIds[0]);
    expect(first?.completions.map((c) => c.id)).toEqual(fixture.completionIdsByTask.get(fixture.taskIds[0]));
    expect(first?.prompt.text).toBe('Prompt 0');
    expect(first?.leaseExpiresAt.getTime()).toBeGreaterThan(Date.now() + 800_000);
    // Asking again without excluding it gives the same task back (e.g. after a page reload).
    expect((await api.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(first?.taskId);
    // Excluding it (the client prefetches) leases the next one.
    expect((await api.queue.next({ projectId: fixture.projectId, excludeTaskIds: [fixture.taskIds[0]] }))?.taskId).toBe(fixture.taskIds[1]);
  });

  it('never hands out a task leased to others up to the overlap, and returns null when nothing is left', async () => {
    const fixture = await createQueueProject({ taskCount: 1, overlap: 1 });
    const a = await callerFor(await createSignedInUser('annotator'));
    const b = await callerFor(await createSignedInUser('annotator'));
    expect((await a.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(fixture.taskIds[0]);
    expect(await b.queue.next({ projectId: fixture.projectId })).toBeNull();
  });

  it('never hands out a task I answered, skipped or flagged', async () => {
    const fixture = await createQueueProject({ taskCount: 3, overlap: 3 });
    const api = await callerFor(await createSignedInUser('annotator'));
    const [t1, t2, t3] = fixture.taskIds;
    expect((await api.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(t1);
    await api.annotations.submit({ clientId: randomUUID(), taskId: t1, answer: pairwiseAnswer(), timeSpentMs: 1000 });
    expect((await api.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(t2);
    await api.annotations.skip({ clientId: randomUUID(), taskId: t2, timeSpentMs: 10 });
    expect((await api.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(t3);
    await api.annotations.flag({ clientId: randomUUID(), taskId: t3, reason: 'garbled prompt', timeSpentMs: 10 });
    expect(await api.queue.next({ projectId: fixture.projectId })).toBeNull();
  });

  it('caps the leases one annotator holds in a project', async () => {
    const fixture = await createQueueProject({ taskCount: 6, overlap: 1 });
    const api = await callerFor(await createSignedInUser('annotator'));
    const held: number[] = [];
    for (let i = 0; i < 3; i++) {
      const task = await api.queue.next({ projectId: fixture.projectId, excludeTaskIds: held });
      held.push(task?.taskId ?? -1);
    }
    expect(held).toEqual(fixture.taskIds.slice(0, 3));
    await expect(api.queue.next({ projectId: fixture.projectId, excludeTaskIds: held })).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS' });
  });

  it('wraps around below the cursor so a task that came back is not lost', async () => {
    const fixture = await createQueueProject({ taskCount: 3, overlap: 1, leaseSeconds: 60 });
    const a = await callerFor(await createSignedInUser('annotator'));
    const b = await callerFor(await createSignedInUser('annotator'));
    const [t1, t2, t3] = fixture.taskIds;
    expect((await a.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(t1);
    expect((await b.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(t2);
    expect((await b.queue.next({ projectId: fixture.projectId, excludeTaskIds: [t2] }))?.taskId).toBe(t3);
    // a abandons t1: its lease runs out. b's cursor is past t1, and still finds it.
    await db.$executeRaw`UPDATE "Assignment" SET "expiresAt" = "expiresAt" - interval '1 hour' WHERE "taskId" = ${t1}`;
    expect((await b.queue.next({ projectId: fixture.projectId, excludeTaskIds: [t2, t3] }))?.taskId).toBe(t1);
  });

  it('rejects unknown projects and anonymous callers', async () => {
    const api = await callerFor(await createSignedInUser('annotator'));
    await expect(api.queue.next({ projectId: 999_999 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect((await callerFor(null)).queue.next({ projectId: 1 })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});

describe('queue.progress', () => {
  it('counts done today, done in total, handled in any way and what remains for me', async () => {
    const fixture = await createQueueProject({ taskCount: 4, overlap: 2 });
    const api = await callerFor(await createSignedInUser('annotator'));
    expect(await api.queue.progress({ projectId: fixture.projectId })).toEqual({ doneToday: 0, doneTotal: 0, handledTotal: 0, remaining: 4 });
    for (let i = 0; i < 2; i++) {
      const task = await api.queue.next({ projectId: fixture.projectId });
      await api.annotations.submit({ clientId: randomUUID(), taskId: task?.taskId ?? -1, answer: pairwiseAnswer(), timeSpentMs: 500 });
    }
    const task = await api.queue.next({ projectId: fixture.projectId });
    await api.annotations.skip({ clientId: randomUUID(), taskId: task?.taskId ?? -1, timeSpentMs: 500 });
    expect(await api.queue.progress({ projectId: fixture.projectId, tzOffsetMinutes: -120 })).toEqual({ doneToday: 2, doneTotal: 2, handledTotal: 3, remaining: 1 });
    // An answer from yesterday (in my time zone) counts in the total only.
    await db.$executeRaw`UPDATE "Annotation" SET "createdAt" = "createdAt" - interval '2 days' WHERE "taskId" = ${fixture.taskIds[0]}`;
    expect(await api.queue.progress({ projectId: fixture.projectId })).toMatchObject({ doneToday: 1, doneTotal: 2 });
    expect((await taskRow(fixture.taskIds[0])).submittedCount).toBe(1);
  });
});

describe('session lookup on the queue path (fast path in server/auth.ts)', () => {
  it('a forged or unsigned session cookie is anonymous', async () => {
    const annotator = await createSignedInUser('annotator');
    const cookie = annotator.headers.get('cookie') ?? '';
    const forged = cookie.replace(/(session_token=[^.;]+)\.[^;]*/, '$1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D');
    const unsigned = cookie.replace(/(session_token=[^.;]+)\.[^;]*/, '$1');
    for (const value of [forged, unsigned]) {
      const api = await callerFor({ ...annotator, headers: new Headers({ cookie: value }) });
      await expect(api.queue.progress({ projectId: 1 })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    }
  });

  it('a session due for its sliding refresh still works (better-auth refreshes it)', async () => {
    const annotator = await createSignedInUser('annotator');
    await db.$executeRaw`UPDATE session SET "expiresAt" = "expiresAt" - interval '2 days' WHERE "userId" = ${annotator.id}`;
    expect((await (await callerFor(annotator)).session.me())?.id).toBe(annotator.id);
    const session = await db.session.findFirstOrThrow({ where: { userId: annotator.id }, select: { expiresAt: true } });
    expect(session.expiresAt.getTime()).toBeGreaterThan(Date.now() + 6.5 * 24 * 3600 * 1000);
  });
});
