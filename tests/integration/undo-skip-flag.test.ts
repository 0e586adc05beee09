import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { db } from '@/server/db';
import { FORM_PRESETS } from '@/lib/forms/schema';
import { callerFor, createSignedInUser } from '../helpers/api';
import { createQueueProject, pairwiseAnswer, taskRow } from './queue-fixtures';

describe('undo', () => {
  it('takes back my last submission, reopens the task and leases it back to me', async () => {
    const form = { questions: [...FORM_PRESETS.pairwise.questions, { id: 'ideal', type: 'edit' as const, label: 'Ideal answer' }] };
    const fixture = await createQueueProject({ taskCount: 2, overlap: 1, form });
    const api = await callerFor(await createSignedInUser('annotator'));
    const other = await callerFor(await createSignedInUser('annotator'));
    const [t1, t2] = fixture.taskIds;
    expect((await api.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(t1);
    await api.annotations.submit({ clientId: randomUUID(), taskId: t1, answer: pairwiseAnswer(), timeSpentMs: 1 });
    expect((await api.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(t2);
    const base = fixture.completionIdsByTask.get(t2)?.[0] ?? -1;
    const second = await api.annotations.submit({
      clientId: randomUUID(),
      taskId: t2,
      answer: { ...pairwiseAnswer('B'), ideal: { type: 'edit', text: 'edited', baseCompletionId: base } },
      timeSpentMs: 1,
    });
    expect(await taskRow(t2)).toEqual({ status: 'DONE', submittedCount: 1 });
    expect((await api.annotations.last({ projectId: fixture.projectId }))?.annotationId).toBe(second.annotationId);

    const { task } = await api.annotations.undo({ projectId: fixture.projectId });
    expect(task.taskId).toBe(t2);
    expect(task.completions.map((c) => c.id)).toEqual(fixture.completionIdsByTask.get(t2));
    expect(await taskRow(t2)).toEqual({ status: 'OPEN', submittedCount: 0 });
    expect(await db.annotation.count({ where: { id: second.annotationId } })).toBe(0);
    expect(await db.completion.count({ where: { annotationId: second.annotationId } })).toBe(0);
    // Leased back to me: nobody else gets it, and my next call resumes it.
    expect(await other.queue.next({ projectId: fixture.projectId })).toBeNull();
    expect((await api.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(t2);
    // The one before is my last submission now; undo again takes it back too.
    expect((await api.annotations.undo({ projectId: fixture.projectId })).task.taskId).toBe(t1);
    await expect(api.annotations.undo({ projectId: fixture.projectId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await api.annotations.last({ projectId: fixture.projectId })).toBeNull();
  });

  it('is refused once the undo window has passed', async () => {
    const fixture = await createQueueProject({ taskCount: 1, overlap: 1, undoSeconds: 30 });
    const api = await callerFor(await createSignedInUser('annotator'));
    expect((await api.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(fixture.taskIds[0]);
    const result = await api.annotations.submit({ clientId: randomUUID(), taskId: fixture.taskIds[0], answer: pairwiseAnswer(), timeSpentMs: 1 });
    expect(result.undoableUntil.getTime() - Date.now()).toBeLessThanOrEqual(30_000);
    await db.$executeRaw`UPDATE "Annotation" SET "createdAt" = "createdAt" - interval '31 seconds' WHERE id = ${result.annotationId}`;
    expect(await api.annotations.last({ projectId: fixture.projectId })).toBeNull();
    await expect(api.annotations.undo({ projectId: fixture.projectId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await taskRow(fixture.taskIds[0])).toEqual({ status: 'DONE', submittedCount: 1 });
  });

  it("never undoes a skip, a flag, or someone else's submission", async () => {
    const fixture = await createQueueProject({ taskCount: 3, overlap: 2 });
    const api = await callerFor(await createSignedInUser('annotator'));
    const other = await callerFor(await createSignedInUser('annotator'));
    const [t1, t2, t3] = fixture.taskIds;
    expect((await other.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(t1);
    await other.annotations.submit({ clientId: randomUUID(), taskId: t1, answer: pairwiseAnswer(), timeSpentMs: 1 });
    expect((await api.queue.next({ projectId: fixture.projectId, excludeTaskIds: [t1] }))?.taskId).toBe(t2);
    await api.annotations.skip({ clientId: randomUUID(), taskId: t2, timeSpentMs: 1 });
    expect((await api.queue.next({ projectId: fixture.projectId, excludeTaskIds: [t1] }))?.taskId).toBe(t3);
    await api.annotations.flag({ clientId: randomUUID(), taskId: t3, reason: 'offensive', timeSpentMs: 1 });
    await expect(api.annotations.undo({ projectId: fixture.projectId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await db.annotation.count({ where: { projectId: fixture.projectId } })).toBe(3);
  });
});

describe('skip and flag', () => {
  it('skip records a SKIPPED annotation, frees my lease and keeps the task open for others', async () => {
    const fixture = await createQueueProject({ taskCount: 1, overlap: 1 });
    const api = await callerFor(await createSignedInUser('annotator'));
    const other = await callerFor(await createSignedInUser('annotator'));
    const task = await api.queue.next({ projectId: fixture.projectId });
    const request = { clientId: randomUUID(), taskId: task?.taskId ?? -1, timeSpentMs: 1200 };
    const results = await Promise.all([api.annotations.skip(request), api.annotations.skip(request)]);
    expect(results[0].annotationId).toBe(results[1].annotationId);
    expect(await db.annotation.findUniqueOrThrow({ where: { clientId: request.clientId }, select: { status: true, timeSpentMs: true } })).toEqual({ status: 'SKIPPED', timeSpentMs: 1200 });
    expect(await taskRow(request.taskId)).toEqual({ status: 'OPEN', submittedCount: 0 });
    expect(await api.queue.next({ projectId: fixture.projectId })).toBeNull();
    expect((await other.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(request.taskId);
  });

  it('flag needs a reason (max 500 characters), takes the task out of the queue for everyone, and is idempotent', async () => {
    const fixture = await createQueueProject({ taskCount: 1, overlap: 3 });
    const api = await callerFor(await createSignedInUser('annotator'));
    const other = await callerFor(await createSignedInUser('annotator'));
    const taskId = fixture.taskIds[0];
    expect((await api.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(taskId);
    await expect(api.annotations.flag({ clientId: randomUUID(), taskId, reason: '   ', timeSpentMs: 1 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(api.annotations.flag({ clientId: randomUUID(), taskId, reason: 'x'.repeat(501), timeSpentMs: 1 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const request = { clientId: randomUUID(), taskId, reason: 'Prompt contains personal data', timeSpentMs: 1 };
    const first = await api.annotations.flag(request);
    expect((await api.annotations.flag(request)).annotationId).toBe(first.annotationId);
    expect((await taskRow(taskId)).status).toBe('FLAGGED');
    expect(await db.annotation.findUniqueOrThrow({ where: { id: first.annotationId }, select: { status: true, flagReason: true } })).toEqual({ status: 'FLAGGED', flagReason: request.reason });
    expect(await other.queue.next({ projectId: fixture.projectId })).toBeNull();
    await expect(other.annotations.submit({ clientId: randomUUID(), taskId, answer: pairwiseAnswer(), timeSpentMs: 1 })).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});
