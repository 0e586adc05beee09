import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { db } from '@/server/db';
import { FORM_PRESETS } from '@/lib/forms/schema';
import { callerFor, createSignedInUser } from '../helpers/api';
import { createQueueProject, pairwiseAnswer, taskRow } from './queue-fixtures';

describe('annotations.submit', () => {
  it('the same submission sent 5 times in parallel yields one annotation and one annotationId', async () => {
    const fixture = await createQueueProject({ taskCount: 1, overlap: 3 });
    const api = await callerFor(await createSignedInUser('annotator'));
    const task = await api.queue.next({ projectId: fixture.projectId });
    const request = { clientId: randomUUID(), taskId: task?.taskId ?? -1, answer: pairwiseAnswer('B'), timeSpentMs: 4321 };
    const results = await Promise.all(Array.from({ length: 5 }, () => api.annotations.submit(request)));
    expect(new Set(results.map((r) => r.annotationId)).size).toBe(1);
    expect(await db.annotation.count({ where: { clientId: request.clientId } })).toBe(1);
    expect(await db.annotation.count({ where: { taskId: request.taskId } })).toBe(1);
    expect((await taskRow(request.taskId)).submittedCount).toBe(1);
    // ... and a late retry too, with the lease already gone.
    expect((await api.annotations.submit(request)).annotationId).toBe(results[0].annotationId);
    expect(await db.assignment.count({ where: { taskId: request.taskId } })).toBe(0);
    const stored = await db.annotation.findUniqueOrThrow({ where: { clientId: request.clientId }, select: { status: true, answer: true, timeSpentMs: true } });
    expect(stored).toEqual({ status: 'SUBMITTED', answer: pairwiseAnswer('B'), timeSpentMs: 4321 });
  });

  it('a clientId reused by another user, or for another task, is a CONFLICT', async () => {
    const fixture = await createQueueProject({ taskCount: 2, overlap: 2 });
    const alice = await callerFor(await createSignedInUser('annotator'));
    const bob = await callerFor(await createSignedInUser('annotator'));
    const clientId = randomUUID();
    expect((await alice.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(fixture.taskIds[0]);
    await alice.annotations.submit({ clientId, taskId: fixture.taskIds[0], answer: pairwiseAnswer(), timeSpentMs: 1 });
    await expect(bob.annotations.submit({ clientId, taskId: fixture.taskIds[0], answer: pairwiseAnswer(), timeSpentMs: 1 })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(alice.annotations.submit({ clientId, taskId: fixture.taskIds[1], answer: pairwiseAnswer(), timeSpentMs: 1 })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(alice.annotations.skip({ clientId, taskId: fixture.taskIds[0], timeSpentMs: 1 })).rejects.toMatchObject({ code: 'CONFLICT' });
    // A second answer to the same task under a new clientId is refused too.
    await expect(alice.annotations.submit({ clientId: randomUUID(), taskId: fixture.taskIds[0], answer: pairwiseAnswer(), timeSpentMs: 1 })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('validates the answer against the form and the task, with the problems in the error', async () => {
    const fixture = await createQueueProject({ taskCount: 1, overlap: 1 });
    const api = await callerFor(await createSignedInUser('annotator'));
    const taskId = fixture.taskIds[0];
    expect((await api.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(taskId);
    const attempt = (answer: Record<string, unknown>) =>
      api.annotations.submit({ clientId: randomUUID(), taskId, answer: answer as never, timeSpentMs: 1 }).then(
        () => null,
        (error: { code?: string; message: string; cause?: { details?: { problems?: { questionId: string; message: string }[] } } }) => error,
      );
    const missing = await attempt({});
    expect(missing?.code).toBe('BAD_REQUEST');
    expect(missing?.cause?.details?.problems).toEqual([{ questionId: 'preference', message: 'an answer is required' }]);
    const wrongType = await attempt({ preference: { type: 'thumbs', votes: {} } });
    expect(wrongType?.message).toMatch(/expected a pairwise answer/);
    const unknownQuestion = await attempt({ ...pairwiseAnswer(), extra: { type: 'critique', text: 'x' } });
    expect(unknownQuestion?.cause?.details?.problems).toEqual([{ questionId: 'extra', message: 'no such question in this form' }]);
    // A malformed answer fails input validation before it reaches the service.
    const malformed = await attempt({ preference: { type: 'pairwise', choice: 'C' } });
    expect(malformed?.code).toBe('BAD_REQUEST');
    expect(await db.annotation.count({ where: { taskId } })).toBe(0);
    expect((await taskRow(taskId)).submittedCount).toBe(0);
  });

  it('never exceeds the overlap: late submitters get CONFLICT and the task is DONE', async () => {
    const fixture = await createQueueProject({ taskCount: 1, overlap: 2 });
    const callers = await Promise.all(Array.from({ length: 6 }, async () => callerFor(await createSignedInUser('annotator'))));
    const taskId = fixture.taskIds[0];
    // Each of the six is served the task, and walks away until their lease runs out: six late
    // submitters, each allowed while the task has room, racing for its two slots.
    for (const api of callers) {
      expect((await api.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(taskId);
      await db.$executeRaw`UPDATE "Assignment" SET "expiresAt" = "expiresAt" - interval '1 day' WHERE "taskId" = ${taskId}`;
    }
    const outcomes = await Promise.allSettled(callers.map((api) => api.annotations.submit({ clientId: randomUUID(), taskId, answer: pairwiseAnswer(), timeSpentMs: 1 })));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(2);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'CONFLICT' });
    expect(await db.annotation.count({ where: { taskId } })).toBe(2);
    expect(await taskRow(taskId)).toEqual({ status: 'DONE', submittedCount: 2 });
  });

  it('stores an edited answer as a HUMAN_EDIT completion and records time spent (clamped)', async () => {
    const form = { questions: [...FORM_PRESETS.pairwise.questions, { id: 'ideal', type: 'edit' as const, label: 'Write the ideal answer' }] };
    const fixture = await createQueueProject({ taskCount: 1, overlap: 1, form });
    const api = await callerFor(await createSignedInUser('annotator'));
    const taskId = fixture.taskIds[0];
    expect((await api.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(taskId);
    const base = fixture.completionIdsByTask.get(taskId)?.[0] ?? -1;
    const result = await api.annotations.submit({
      clientId: randomUUID(),
      taskId,
      answer: { ...pairwiseAnswer(), ideal: { type: 'edit', text: 'A better answer.', baseCompletionId: base } },
      timeSpentMs: 10 * 60 * 60 * 1000,
    });
    const edit = await db.completion.findFirstOrThrow({ where: { annotationId: result.annotationId }, select: { text: true, source: true } });
    expect(edit).toEqual({ text: 'A better answer.', source: 'HUMAN_EDIT' });
    expect((await db.annotation.findUniqueOrThrow({ where: { id: result.annotationId }, select: { timeSpentMs: true } })).timeSpentMs).toBe(60 * 60 * 1000);
    expect(result.undoableUntil.getTime()).toBeGreaterThan(Date.now() + 250_000);
  });
});
