/**
 * The review queue: reviewers (and admins) accept, reject with a reason or correct answers. Every
 * decision is a new row (who, when, before/after), the annotation itself never changes; a
 * rejection returns the task to the queue with the counters right; dataset snapshots use the
 * latest correction and leave rejected answers out; annotators cannot review.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/server/db';
import { readSnapshotRecords } from '@/server/datasets/snapshots';
import { reviewAcceptanceByAnnotator } from '@/server/quality/review-acceptance';
import { callerFor, catchTrpcError, createSignedInUser, type TestUser } from '../helpers/api';
import { createQueueProject, pairwiseAnswer, taskRow } from './queue-fixtures';

type Api = Awaited<ReturnType<typeof callerFor>>;

async function answerAll(api: Api, projectId: number, choice: 'A' | 'B'): Promise<Map<number, number>> {
  const annotationByTask = new Map<number, number>();
  let task = await api.queue.next({ projectId });
  while (task) {
    const result = await api.annotations.submitAndNext({ clientId: randomUUID(), taskId: task.taskId, answer: pairwiseAnswer(choice), timeSpentMs: 500 });
    annotationByTask.set(task.taskId, result.annotationId);
    task = result.next;
  }
  return annotationByTask;
}

describe('the review queue', () => {
  let admin: TestUser;
  let reviewer: TestUser;
  let annotator: TestUser;
  let reviewerApi: Api;
  let annotatorApi: Api;

  beforeAll(async () => {
    admin = await createSignedInUser('admin');
    reviewer = await createSignedInUser('reviewer');
    annotator = await createSignedInUser('annotator');
    reviewerApi = await callerFor(reviewer);
    annotatorApi = await callerFor(annotator);
  });

  it('serves the oldest unreviewed answer; accept, reject and correct each write a row and keep the history', async () => {
    const fixture = await createQueueProject({ taskCount: 3, overlap: 1, undoSeconds: 0 });
    const byTask = await answerAll(annotatorApi, fixture.projectId, 'A');
    const [t0, t1, t2] = fixture.taskIds;
    for (const t of fixture.taskIds) expect(await taskRow(t)).toEqual({ status: 'DONE', submittedCount: 1 });

    const first = await reviewerApi.review.next({ projectId: fixture.projectId });
    expect(first).toMatchObject({ annotationId: byTask.get(t0), taskId: t0, answer: pairwiseAnswer('A'), pending: 3 });
    expect(first?.completions.map((c) => c.id)).toEqual(fixture.completionIdsByTask.get(t0));
    await reviewerApi.review.decide({ annotationId: byTask.get(t0) ?? 0, decision: 'ACCEPT' });

    // Reject: a reason is required; the task needs one more answer again.
    const second = await reviewerApi.review.next({ projectId: fixture.projectId });
    expect(second?.annotationId).toBe(byTask.get(t1));
    expect((await catchTrpcError(reviewerApi.review.decide({ annotationId: byTask.get(t1) ?? 0, decision: 'REJECT' })))?.code).toBe('BAD_REQUEST');
    const rejected = await reviewerApi.review.decide({ annotationId: byTask.get(t1) ?? 0, decision: 'REJECT', reason: 'Picked the wrong answer' });
    expect(rejected.taskReturnedToQueue).toBe(true);
    expect(await taskRow(t1)).toEqual({ status: 'OPEN', submittedCount: 0 });
    // Rejected once is final.
    expect((await catchTrpcError(reviewerApi.review.decide({ annotationId: byTask.get(t1) ?? 0, decision: 'ACCEPT' })))?.code).toBe('CONFLICT');

    // Correct: the corrected answer is validated against the form, then stored as a new row.
    const bad = await catchTrpcError(reviewerApi.review.decide({ annotationId: byTask.get(t2) ?? 0, decision: 'CORRECT', correctedAnswer: { nope: { type: 'pairwise', choice: 'B' } } }));
    expect(bad?.code).toBe('BAD_REQUEST');
    await reviewerApi.review.decide({ annotationId: byTask.get(t2) ?? 0, decision: 'CORRECT', correctedAnswer: pairwiseAnswer('B'), reason: 'B is right' });
    await (await callerFor(admin)).review.decide({ annotationId: byTask.get(t2) ?? 0, decision: 'CORRECT', correctedAnswer: pairwiseAnswer('tie') });
    expect(await reviewerApi.review.next({ projectId: fixture.projectId })).toBeNull();

    const history = await reviewerApi.review.history({ annotationId: byTask.get(t2) ?? 0 });
    expect(history.original).toEqual(pairwiseAnswer('A'));
    expect(history.current).toEqual(pairwiseAnswer('tie'));
    expect(history.reviews.map((r) => ({ decision: r.decision, by: r.reviewer.id, before: r.before, after: r.after }))).toEqual([
      { decision: 'CORRECT', by: reviewer.id, before: pairwiseAnswer('A'), after: pairwiseAnswer('B') },
      { decision: 'CORRECT', by: admin.id, before: pairwiseAnswer('B'), after: pairwiseAnswer('tie') },
    ]);
    const rejectedHistory = await reviewerApi.review.history({ annotationId: byTask.get(t1) ?? 0 });
    expect(rejectedHistory).toMatchObject({ isRejected: true, original: pairwiseAnswer('A'), reviews: [{ decision: 'REJECT', reason: 'Picked the wrong answer' }] });
    // The annotation rows themselves are unchanged.
    const rows = await db.annotation.findMany({ where: { id: { in: [...byTask.values()] } }, select: { answer: true, status: true } });
    expect(rows.every((r) => r.status === 'SUBMITTED' && JSON.stringify(r.answer) === JSON.stringify(pairwiseAnswer('A')))).toBe(true);

    expect(await reviewAcceptanceByAnnotator(fixture.projectId)).toEqual([{ userId: annotator.id, reviewed: 3, accepted: 1, rejected: 1, corrected: 1, acceptance: 1 / 3 }]);
  });

  it('a rejected task goes back to the queue for another annotator, not its author', async () => {
    const fixture = await createQueueProject({ taskCount: 2, overlap: 1, undoSeconds: 0 });
    const byTask = await answerAll(annotatorApi, fixture.projectId, 'A');
    const [t0] = fixture.taskIds;
    await reviewerApi.review.decide({ annotationId: byTask.get(t0) ?? 0, decision: 'REJECT', reason: 'Careless' });
    expect(await annotatorApi.queue.next({ projectId: fixture.projectId })).toBeNull();
    const other = await callerFor(await createSignedInUser('annotator'));
    const task = await other.queue.next({ projectId: fixture.projectId });
    expect(task?.taskId).toBe(t0);
    await other.annotations.submit({ clientId: randomUUID(), taskId: t0, answer: pairwiseAnswer('B'), timeSpentMs: 100 });
    expect(await taskRow(t0)).toEqual({ status: 'DONE', submittedCount: 1 });
    expect(await db.annotation.count({ where: { taskId: t0, status: 'SUBMITTED' } })).toBe(2);
  });

  it('snapshots take the latest correction and leave rejected answers out', async () => {
    const fixture = await createQueueProject({ taskCount: 3, overlap: 1, undoSeconds: 0 });
    const byTask = await answerAll(annotatorApi, fixture.projectId, 'A');
    const [t0, t1, t2] = fixture.taskIds;
    await reviewerApi.review.decide({ annotationId: byTask.get(t0) ?? 0, decision: 'CORRECT', correctedAnswer: pairwiseAnswer('B') });
    await reviewerApi.review.decide({ annotationId: byTask.get(t1) ?? 0, decision: 'REJECT', reason: 'Spam' });
    const adminApi = await callerFor(admin);
    const snapshot = await adminApi.datasets.create({ projectId: fixture.projectId, name: 'reviewed' });
    const records: { annotationId: number; answer: unknown }[] = [];
    for await (const page of readSnapshotRecords({ db, snapshotId: snapshot.id })) records.push(...page.map((r) => ({ annotationId: r.annotationId, answer: r.answer })));
    expect(records.sort((a, b) => a.annotationId - b.annotationId)).toEqual([
      { annotationId: byTask.get(t0), answer: pairwiseAnswer('B') },
      { annotationId: byTask.get(t2), answer: pairwiseAnswer('A') },
    ]);
    // A correction made after the snapshot does not change it (frozen).
    await reviewerApi.review.decide({ annotationId: byTask.get(t2) ?? 0, decision: 'CORRECT', correctedAnswer: pairwiseAnswer('tie') });
    const again: unknown[] = [];
    for await (const page of readSnapshotRecords({ db, snapshotId: snapshot.id })) again.push(...page.map((r) => r.answer));
    expect(again).toEqual([pairwiseAnswer('B'), pairwiseAnswer('A')]);
  });

  it('annotators cannot review; reviewers never review their own answers and see no admin data', async () => {
    const fixture = await createQueueProject({ taskCount: 1, overlap: 1, undoSeconds: 0 });
    expect((await catchTrpcError(annotatorApi.review.next({ projectId: fixture.projectId })))?.code).toBe('FORBIDDEN');
    expect((await catchTrpcError(annotatorApi.review.projects()))?.code).toBe('FORBIDDEN');
    const mine = await answerAll(reviewerApi, fixture.projectId, 'A');
    expect(await reviewerApi.review.next({ projectId: fixture.projectId })).toBeNull();
    const own = await catchTrpcError(reviewerApi.review.decide({ annotationId: [...mine.values()][0], decision: 'ACCEPT' }));
    expect(own?.code).toBe('FORBIDDEN');
    expect((await catchTrpcError(reviewerApi.oversee.projectStats({ projectId: fixture.projectId })))?.code).toBe('FORBIDDEN');
    expect((await catchTrpcError(reviewerApi.gold.accuracy({ projectId: fixture.projectId })))?.code).toBe('FORBIDDEN');
  });
});
