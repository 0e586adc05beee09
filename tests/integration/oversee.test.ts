import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/server/db';
import { FORM_PRESETS } from '@/lib/forms/schema';
import { type TestUser, callerFor, catchTrpcError, createSignedInUser } from '../helpers/api';

let admin: TestUser;
let ann1: TestUser;
let ann2: TestUser;
let projectId: number;
let taskIds: number[];

type Status = 'SUBMITTED' | 'SKIPPED' | 'FLAGGED';

async function annotate(user: TestUser, taskIndex: number, status: Status, timeSpentMs: number, flagReason?: string) {
  const taskId = taskIds[taskIndex];
  const answer = status === 'SUBMITTED' ? { preference: { type: 'pairwise', choice: 'A' } } : undefined;
  const row = await db.annotation.create({ data: { clientId: randomUUID(), taskId, projectId, userId: user.id, status, timeSpentMs, answer, flagReason }, select: { id: true } });
  if (status === 'SUBMITTED') await db.task.update({ where: { id: taskId }, data: { submittedCount: { increment: 1 } } });
  if (status === 'FLAGGED') await db.task.update({ where: { id: taskId }, data: { status: 'FLAGGED' } });
  return row.id;
}

/**
 * A small known dataset (overlap 3, so nothing is done):
 *   Ann One: t0 submitted 1000 ms, t1 submitted 3000 ms, t2 skipped 500 ms, t3 flagged 200 ms
 *   Ann Two: t0 submitted 2000 ms, t1 submitted 6000 ms, t2 submitted 4000 ms
 */
beforeAll(async () => {
  admin = await createSignedInUser('admin');
  ann1 = await createSignedInUser('annotator', 'Ann One');
  ann2 = await createSignedInUser('annotator', 'Ann Two');
  const caller = await callerFor(admin);
  const project = await caller.projects.create({ name: 'Oversee', guidelines: '', form: FORM_PRESETS.pairwise, overlap: 3, completionsPerTask: 2 });
  projectId = project.id;
  const content = Array.from({ length: 5 }, (_, i) => JSON.stringify({ prompt: `Prompt number ${i}: ${'long '.repeat(80)}`, completions: ['x', 'y'] })).join('\n');
  await caller.imports.commit({ projectId, fileName: 'five.jsonl', content });
  taskIds = (await db.task.findMany({ where: { projectId }, orderBy: { id: 'asc' }, select: { id: true } })).map((t) => t.id);

  await annotate(ann1, 0, 'SUBMITTED', 1000);
  await annotate(ann2, 0, 'SUBMITTED', 2000);
  await annotate(ann1, 1, 'SUBMITTED', 3000);
  await annotate(ann2, 1, 'SUBMITTED', 6000);
  await annotate(ann1, 2, 'SKIPPED', 500);
  await annotate(ann2, 2, 'SUBMITTED', 4000);
  await annotate(ann1, 3, 'FLAGGED', 200, 'Contains personal data');
});

describe('oversee', () => {
  it('projectStats: tasks by status, per-annotator counts and medians, overall median, skips and flags', async () => {
    const stats = await (await callerFor(admin)).oversee.projectStats({ projectId });
    expect(stats).toEqual({
      tasksByStatus: { OPEN: 4, DONE: 0, FLAGGED: 1 },
      taskCount: 5,
      annotationsByAnnotator: [
        { userId: ann2.id, name: 'Ann Two', email: ann2.email, submitted: 3, skipped: 0, flagged: 0, medianTimeMs: 4000 },
        { userId: ann1.id, name: 'Ann One', email: ann1.email, submitted: 2, skipped: 1, flagged: 1, medianTimeMs: 2000 },
      ],
      submittedCount: 5,
      skipCount: 1,
      flagCount: 1,
      medianTimeMs: 3000,
    });
  });

  it('projectStats of a project without annotations has zeros and null medians', async () => {
    const caller = await callerFor(admin);
    const empty = await caller.projects.create({ name: 'Empty', guidelines: '', form: FORM_PRESETS.likert, overlap: 1, completionsPerTask: 1 });
    expect(await caller.oversee.projectStats({ projectId: empty.id })).toEqual({
      tasksByStatus: { OPEN: 0, DONE: 0, FLAGGED: 0 },
      taskCount: 0,
      annotationsByAnnotator: [],
      submittedCount: 0,
      skipCount: 0,
      flagCount: 0,
      medianTimeMs: null,
    });
    expect((await catchTrpcError(caller.oversee.projectStats({ projectId: 999_999 }))).code).toBe('NOT_FOUND');
  });

  it('recentAnnotations: newest first, with names, answers and prompt excerpts; filters and cursor pages', async () => {
    const caller = await callerFor(admin);
    const all = await caller.oversee.recentAnnotations({ projectId, limit: 100 });
    expect(all.items).toHaveLength(7);
    expect(all.nextCursor).toBeNull();
    const ids = all.items.map((item) => item.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(all.items[0]).toMatchObject({ annotatorName: 'Ann One', status: 'FLAGGED', flagReason: 'Contains personal data', answer: null, taskId: taskIds[3] });
    const submitted = all.items.find((item) => item.status === 'SUBMITTED');
    expect(submitted?.answer).toEqual({ preference: { type: 'pairwise', choice: 'A' } });
    expect(submitted?.promptExcerpt.length).toBeLessThanOrEqual(201);
    expect(submitted?.promptExcerpt).toMatch(/^Prompt number \d: long long/);
    expect(submitted?.completionIds).toHaveLength(2);

    const byAnn1 = await caller.oversee.recentAnnotations({ projectId, userId: ann1.id, limit: 100 });
    expect(byAnn1.items.map((i) => i.status)).toEqual(['FLAGGED', 'SKIPPED', 'SUBMITTED', 'SUBMITTED']);
    const skipped = await caller.oversee.recentAnnotations({ projectId, status: 'SKIPPED', limit: 100 });
    expect(skipped.items.map((i) => [i.annotatorName, i.timeSpentMs])).toEqual([['Ann One', 500]]);

    const pages: number[][] = [];
    let cursor: number | undefined;
    do {
      const page = await caller.oversee.recentAnnotations({ projectId, limit: 3, cursor });
      pages.push(page.items.map((i) => i.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual(ids);
  });

  it('flaggedTasks lists flagged tasks with reasons; reopenTask returns one to the queue and keeps the flag', async () => {
    const caller = await callerFor(admin);
    const flagged = await caller.oversee.flaggedTasks({ projectId });
    expect(flagged).toHaveLength(1);
    expect(flagged[0]).toMatchObject({ taskId: taskIds[3], submittedCount: 0, flags: [{ userId: ann1.id, annotatorName: 'Ann One', reason: 'Contains personal data' }] });

    expect(await caller.oversee.reopenTask({ taskId: taskIds[3] })).toEqual({ taskId: taskIds[3], status: 'OPEN' });
    expect(await caller.oversee.flaggedTasks({ projectId })).toEqual([]);
    // The flag stays for audit; its author still has an annotation on the task, so is never served it again.
    expect(await db.annotation.count({ where: { taskId: taskIds[3], status: 'FLAGGED', userId: ann1.id } })).toBe(1);
    expect((await catchTrpcError(caller.oversee.reopenTask({ taskId: taskIds[3] }))).code).toBe('CONFLICT');
    expect((await catchTrpcError(caller.oversee.reopenTask({ taskId: 999_999 }))).code).toBe('NOT_FOUND');
  });

  it('reopening a flagged task that already has its overlap makes it DONE', async () => {
    await db.task.update({ where: { id: taskIds[4] }, data: { status: 'FLAGGED', submittedCount: 3 } });
    expect(await (await callerFor(admin)).oversee.reopenTask({ taskId: taskIds[4] })).toEqual({ taskId: taskIds[4], status: 'DONE' });
  });

  it('annotators cannot oversee', async () => {
    const caller = await callerFor(ann1);
    expect((await catchTrpcError(caller.oversee.projectStats({ projectId }))).code).toBe('FORBIDDEN');
    expect((await catchTrpcError(caller.oversee.recentAnnotations({ projectId, limit: 10 }))).code).toBe('FORBIDDEN');
    expect((await catchTrpcError(caller.oversee.reopenTask({ taskId: taskIds[0] }))).code).toBe('FORBIDDEN');
  });
});
