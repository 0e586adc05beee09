/**
 * Reviews and snapshots: a rejected answer counts neither as a record nor towards a task's
 * agreement; a reviewer's correction of an edited answer is the text the snapshot (and its SFT
 * export) carries. Expected values are worked out by hand from the fixture.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { db } from '@/server/db';
import { exportSnapshot } from '@/server/datasets/export';
import { createSnapshot, readSnapshotRecords } from '@/server/datasets/snapshots';
import { reviewAnnotation } from '@/server/services/review/reviews';
import { createQueueProject } from './queue-fixtures';
import { createAnnotators, insertAnswers } from './quality-fixtures';

const choice = (c: 'A' | 'B') => ({ preference: { type: 'pairwise' as const, choice: c } });

async function recordsOf(snapshotId: number) {
  const out: { annotationId: number; taskId: number; editedText: string | null }[] = [];
  for await (const batch of readSnapshotRecords({ db, snapshotId })) for (const r of batch) out.push({ annotationId: r.annotationId, taskId: r.taskId, editedText: r.editedText });
  return out;
}

describe('snapshots and reviews', () => {
  it('agreement leaves out answers a reviewer rejected', async () => {
    const fx = await createQueueProject({ taskCount: 3, overlap: 3 });
    const [x, y, z, reviewer] = await createAnnotators(['Xena', 'Yusuf', 'Zara', 'Rita']);
    const [t1, t2, t3] = fx.taskIds;
    // Task 1: A, B (B rejected) → only A counts: agreement 1.
    // Task 2: A, B → 1/2.
    // Task 3: A, A, B (the first A rejected) → A, B: 1/2 (2/3 if the rejected answer counted).
    await insertAnswers(fx.projectId, [
      { taskId: t1, userId: x, answer: choice('A') },
      { taskId: t1, userId: y, answer: choice('B') },
      { taskId: t2, userId: x, answer: choice('A') },
      { taskId: t2, userId: y, answer: choice('B') },
      { taskId: t3, userId: x, answer: choice('A') },
      { taskId: t3, userId: y, answer: choice('A') },
      { taskId: t3, userId: z, answer: choice('B') },
    ]);
    const ids = await db.annotation.findMany({ where: { projectId: fx.projectId }, select: { id: true, taskId: true, userId: true }, orderBy: { id: 'asc' } });
    const idOf = (taskId: number, userId: string) => ids.find((a) => a.taskId === taskId && a.userId === userId)?.id ?? 0;
    await reviewAnnotation({ annotationId: idOf(t1, y), reviewerId: reviewer, decision: 'REJECT', reason: 'did not read the answers' });
    await reviewAnnotation({ annotationId: idOf(t3, x), reviewerId: reviewer, decision: 'REJECT', reason: 'clicked at random' });

    const snap = await createSnapshot({ db, projectId: fx.projectId, name: null, filters: { minAgreement: 0.6 }, createdById: null });
    // Kept: task 1's A (agreement 1); tasks 2 and 3 are at 1/2.
    expect((await recordsOf(snap.snapshotId)).map((r) => r.annotationId)).toEqual([idOf(t1, x)]);
  });

  it('consensus labels and their weights count answers as consumed: a rejected answer does not vote, a correction votes as corrected', async () => {
    const fx = await createQueueProject({ taskCount: 2, overlap: 3 });
    const [x, y, z, reviewer] = await createAnnotators(['Xena', 'Yusuf', 'Zara', 'Rita']);
    const [t1, t2] = fx.taskIds;
    // Task 1: A, A, B; both A's rejected -> only B votes: majority B, weight 1 (raw votes: A, 2/3).
    // Task 2: B, A, B; Xena's B corrected to A -> A, A, B: majority A, weight 2/3 (raw votes: B).
    await insertAnswers(fx.projectId, [
      { taskId: t1, userId: x, answer: choice('A') },
      { taskId: t1, userId: y, answer: choice('A') },
      { taskId: t1, userId: z, answer: choice('B') },
      { taskId: t2, userId: x, answer: choice('B') },
      { taskId: t2, userId: y, answer: choice('A') },
      { taskId: t2, userId: z, answer: choice('B') },
    ]);
    const ids = await db.annotation.findMany({ where: { projectId: fx.projectId }, select: { id: true, taskId: true, userId: true }, orderBy: { id: 'asc' } });
    const idOf = (taskId: number, userId: string) => ids.find((a) => a.taskId === taskId && a.userId === userId)?.id ?? 0;
    await reviewAnnotation({ annotationId: idOf(t1, x), reviewerId: reviewer, decision: 'REJECT', reason: 'did not read' });
    await reviewAnnotation({ annotationId: idOf(t1, y), reviewerId: reviewer, decision: 'REJECT', reason: 'did not read' });
    await reviewAnnotation({ annotationId: idOf(t2, x), reviewerId: reviewer, decision: 'CORRECT', correctedAnswer: choice('A') });

    const snap = await createSnapshot({ db, projectId: fx.projectId, name: null, filters: { labelSource: 'majority', weightByConfidence: true }, createdById: null });
    const records: { annotationId: number; taskId: number; choice: unknown; weight: number | null }[] = [];
    for await (const batch of readSnapshotRecords({ db, snapshotId: snap.snapshotId })) {
      for (const r of batch) records.push({ annotationId: r.annotationId, taskId: r.taskId, choice: (r.answer as { preference?: { choice?: string } }).preference?.choice, weight: r.weight ?? null });
    }
    // Task 1 keeps Zara's B; task 2 the earliest answer that is A as consumed: Xena's, corrected.
    expect(records.map((r) => ({ ...r, weight: r.weight === null ? null : Number(r.weight.toFixed(4)) }))).toEqual([
      { annotationId: idOf(t1, z), taskId: t1, choice: 'B', weight: 1 },
      { annotationId: idOf(t2, x), taskId: t2, choice: 'A', weight: Number((2 / 3).toFixed(4)) },
    ]);
  });

  it("a correction of an edited answer is the snapshot's edited text and the SFT target", async () => {
    const form = {
      questions: [
        { id: 'preference', type: 'pairwise' as const, label: 'Which is better?' },
        { id: 'rewrite', type: 'edit' as const, label: 'Improve the better one' },
      ],
    };
    const fx = await createQueueProject({ taskCount: 2, overlap: 1, form });
    const [x, reviewer] = await createAnnotators(['Xena', 'Rita']);
    const [t1, t2] = fx.taskIds;
    const [a1] = fx.completionIdsByTask.get(t1) ?? [];
    const [a2] = fx.completionIdsByTask.get(t2) ?? [];
    const edit = (text: string, baseCompletionId: number) => ({ type: 'edit' as const, text, baseCompletionId });
    await insertAnswers(fx.projectId, [
      { taskId: t1, userId: x, answer: { ...choice('A'), rewrite: edit('first draft', a1) } },
      { taskId: t2, userId: x, answer: { ...choice('A'), rewrite: edit('kept as written', a2) } },
    ]);
    const annotations = await db.annotation.findMany({ where: { projectId: fx.projectId }, select: { id: true, taskId: true, task: { select: { promptId: true } } }, orderBy: { id: 'asc' } });
    // The submit stores an edit as a HUMAN_EDIT completion; the fixture does the same.
    for (const [i, a] of annotations.entries()) {
      await db.completion.create({ data: { promptId: a.task.promptId, text: i === 0 ? 'first draft' : 'kept as written', source: 'HUMAN_EDIT', annotationId: a.id } });
    }
    await reviewAnnotation({
      annotationId: annotations[0].id,
      reviewerId: reviewer,
      decision: 'CORRECT',
      correctedAnswer: { ...choice('A'), rewrite: edit('the reviewed rewrite', a1) },
    });

    const snap = await createSnapshot({ db, projectId: fx.projectId, name: null, filters: {}, createdById: null });
    expect((await recordsOf(snap.snapshotId)).map((r) => r.editedText)).toEqual(['the reviewed rewrite', 'kept as written']);
    const chunks: Buffer[] = [];
    const out = new Writable({
      write(chunk, _encoding, callback) {
        chunks.push(Buffer.from(chunk));
        callback();
      },
    });
    await exportSnapshot({ snapshotId: snap.snapshotId, format: 'sft', encoding: 'jsonl', out });
    const completions = Buffer.concat(chunks)
      .toString('utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { completion: string }).completion);
    expect(completions).toContain('the reviewed rewrite');
    expect(completions).not.toContain('first draft');
  });
});
