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

  it('undoes my last action whatever it was: submit, then skip, then U brings back the skipped task, not the submitted one', async () => {
    const fixture = await createQueueProject({ taskCount: 3, overlap: 1 });
    const api = await callerFor(await createSignedInUser('annotator'));
    const other = await callerFor(await createSignedInUser('annotator'));
    const [t1, t2] = fixture.taskIds;
    expect((await api.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(t1);
    const submitted = await api.annotations.submit({ clientId: randomUUID(), taskId: t1, answer: pairwiseAnswer(), timeSpentMs: 1 });
    expect((await api.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(t2);
    const skipped = await api.annotations.skip({ clientId: randomUUID(), taskId: t2, timeSpentMs: 1 });
    // A skip can be undone for as long as a submission: its window is in the answer.
    expect(skipped.undoableUntil.getTime() - Date.now()).toBeGreaterThan(290_000);
    expect((await api.annotations.last({ projectId: fixture.projectId }))?.annotationId).toBe(skipped.annotationId);

    const undone = await api.annotations.undo({ projectId: fixture.projectId });
    expect(undone.task.taskId).toBe(t2);
    expect(undone.undone).toEqual({ annotationId: skipped.annotationId, status: 'SKIPPED' });
    expect(await db.annotation.count({ where: { id: skipped.annotationId } })).toBe(0);
    // The submission is untouched, and the skipped task is mine again (leased): the other annotator gets the third task.
    expect(await db.annotation.count({ where: { id: submitted.annotationId } })).toBe(1);
    expect(await taskRow(t1)).toEqual({ status: 'DONE', submittedCount: 1 });
    expect(await taskRow(t2)).toEqual({ status: 'OPEN', submittedCount: 0 });
    expect((await other.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(fixture.taskIds[2]);
    expect((await api.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(t2);
    // And I can answer it now.
    await api.annotations.submit({ clientId: randomUUID(), taskId: t2, answer: pairwiseAnswer('B'), timeSpentMs: 1 });
    expect(await taskRow(t2)).toEqual({ status: 'DONE', submittedCount: 1 });
  });

  it('undoing a flag takes my flag back and returns the task to the queue, leased to me', async () => {
    const fixture = await createQueueProject({ taskCount: 1, overlap: 2 });
    const api = await callerFor(await createSignedInUser('annotator'));
    const other = await callerFor(await createSignedInUser('annotator'));
    const taskId = fixture.taskIds[0];
    expect((await api.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(taskId);
    const flagged = await api.annotations.flag({ clientId: randomUUID(), taskId, reason: 'unreadable', timeSpentMs: 1 });
    expect((await taskRow(taskId)).status).toBe('FLAGGED');
    expect(await other.queue.next({ projectId: fixture.projectId })).toBeNull();

    const undone = await api.annotations.undo({ projectId: fixture.projectId });
    expect(undone).toMatchObject({ task: { taskId }, undone: { annotationId: flagged.annotationId, status: 'FLAGGED' } });
    expect(await taskRow(taskId)).toEqual({ status: 'OPEN', submittedCount: 0 });
    expect(await db.annotation.count({ where: { taskId } })).toBe(0);
    // Overlap 2: the other annotator may take it too, and I hold my lease.
    expect((await other.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(taskId);
    expect((await api.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(taskId);
  });

  it("reopens one named recent action of mine, never anyone else's, and only inside its window", async () => {
    const fixture = await createQueueProject({ taskCount: 4, overlap: 2 });
    const api = await callerFor(await createSignedInUser('annotator'));
    const other = await callerFor(await createSignedInUser('annotator'));
    const [t1, t2, t3] = fixture.taskIds;
    const mine: number[] = [];
    for (const taskId of [t1, t2, t3]) {
      expect((await api.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(taskId);
      mine.push((await api.annotations.submit({ clientId: randomUUID(), taskId, answer: pairwiseAnswer(), timeSpentMs: 1 })).annotationId);
    }
    expect((await other.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(t1);
    const theirs = await other.annotations.submit({ clientId: randomUUID(), taskId: t1, answer: pairwiseAnswer('B'), timeSpentMs: 1 });

    // Someone else's annotation: refused, and it stays.
    await expect(api.annotations.undo({ projectId: fixture.projectId, annotationId: theirs.annotationId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await db.annotation.count({ where: { id: theirs.annotationId } })).toBe(1);
    // Mine but in another project's name: refused.
    const elsewhere = await createQueueProject({ taskCount: 1, overlap: 1 });
    await expect(api.annotations.undo({ projectId: elsewhere.projectId, annotationId: mine[0] })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    // The first of mine (not the last): t1 comes back, the two later submissions stay.
    const undone = await api.annotations.undo({ projectId: fixture.projectId, annotationId: mine[0] });
    expect(undone).toMatchObject({ task: { taskId: t1 }, undone: { annotationId: mine[0], status: 'SUBMITTED' } });
    expect(await db.annotation.count({ where: { id: { in: mine } } })).toBe(2);
    expect(await taskRow(t1)).toEqual({ status: 'OPEN', submittedCount: 1 });

    // Past its window: refused.
    await db.$executeRaw`UPDATE "Annotation" SET "createdAt" = "createdAt" - interval '301 seconds' WHERE id = ${mine[1]}`;
    await expect(api.annotations.undo({ projectId: fixture.projectId, annotationId: mine[1] })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await taskRow(t2)).toEqual({ status: 'OPEN', submittedCount: 1 });
  });
});

describe('annotations.recent', () => {
  it('lists my last ten actions in the project, newest first, with what I did and until when it can be undone', async () => {
    const fixture = await createQueueProject({ taskCount: 12, overlap: 2, undoSeconds: 60 });
    const api = await callerFor(await createSignedInUser('annotator'));
    const other = await callerFor(await createSignedInUser('annotator'));
    const done: { taskId: number; status: string }[] = [];
    for (let i = 0; i < 12; i++) {
      const task = await api.queue.next({ projectId: fixture.projectId });
      const taskId = task?.taskId ?? -1;
      if (i % 4 === 1) await api.annotations.skip({ clientId: randomUUID(), taskId, timeSpentMs: 1 });
      else if (i % 4 === 3) await api.annotations.flag({ clientId: randomUUID(), taskId, reason: 'odd', timeSpentMs: 1 });
      else await api.annotations.submit({ clientId: randomUUID(), taskId, answer: pairwiseAnswer(), timeSpentMs: 1 });
      done.push({ taskId, status: i % 4 === 1 ? 'SKIPPED' : i % 4 === 3 ? 'FLAGGED' : 'SUBMITTED' });
    }
    const t = await other.queue.next({ projectId: fixture.projectId });
    await other.annotations.submit({ clientId: randomUUID(), taskId: t?.taskId ?? -1, answer: pairwiseAnswer(), timeSpentMs: 1 });

    const recent = await api.annotations.recent({ projectId: fixture.projectId });
    expect(recent.map((r) => ({ taskId: r.taskId, status: r.status }))).toEqual(done.slice(2).reverse());
    for (const row of recent) {
      expect(row.undoableUntil.getTime() - row.createdAt.getTime()).toBe(60_000);
      expect(row.promptExcerpt).toMatch(/^Prompt \d+$/);
    }
    expect(await (await callerFor(await createSignedInUser('annotator'))).annotations.recent({ projectId: fixture.projectId })).toEqual([]);
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
