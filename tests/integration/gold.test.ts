/**
 * Gold (check) tasks: mixed into the queue at the configured rate, scored on submit within each
 * question type's tolerance, pausing an annotator whose accuracy falls below the threshold (the
 * queue then says so) until an admin resumes them, and invisible to annotators.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/server/db';
import { AppError } from '@/server/errors';
import { goldAccuracyByAnnotator } from '@/server/quality/gold-accuracy';
import { callerFor, catchTrpcError, createSignedInUser, type TestUser } from '../helpers/api';
import { createQueueProject, pairwiseAnswer, taskRow } from './queue-fixtures';

type Api = Awaited<ReturnType<typeof callerFor>>;

/** Works through the queue with submitAndNext, answering `answerFor(taskId)`; returns the task ids served in order. */
async function work(api: Api, projectId: number, count: number, answerFor: (taskId: number) => Record<string, unknown>): Promise<number[]> {
  const served: number[] = [];
  let task = await api.queue.next({ projectId });
  while (task && served.length < count) {
    served.push(task.taskId);
    const result = await api.annotations.submitAndNext({ clientId: randomUUID(), taskId: task.taskId, answer: answerFor(task.taskId) as never, timeSpentMs: 1000 });
    task = result.next;
  }
  return served;
}

describe('gold tasks', () => {
  let admin: TestUser;
  let adminApi: Api;

  beforeAll(async () => {
    admin = await createSignedInUser('admin');
    adminApi = await callerFor(admin);
  });

  it('are mixed in at the configured rate (deterministic per annotator and position), each served once per annotator', async () => {
    const fixture = await createQueueProject({ taskCount: 260, overlap: 3 });
    const goldIds = fixture.taskIds.slice(0, 40);
    await adminApi.gold.import({ projectId: fixture.projectId, content: goldIds.map((taskId) => JSON.stringify({ taskId, expected: pairwiseAnswer('A') })).join('\n') });
    await adminApi.gold.updateSettings({ projectId: fixture.projectId, mixRate: 0.1, accuracyThreshold: 0, minGoldAnswers: 1000 });
    const gold = new Set(goldIds);
    for (const _ of [1, 2]) {
      const annotator = await createSignedInUser('annotator');
      const served = await work(await callerFor(annotator), fixture.projectId, 200, () => pairwiseAnswer('A'));
      expect(served).toHaveLength(200);
      expect(new Set(served).size).toBe(200);
      const goldServed = served.filter((id) => gold.has(id)).length;
      // 10% of 200 = 20 expected; a binomial(200, 0.1) lies in 20 ± 10 with probability > 99%.
      expect(goldServed).toBeGreaterThanOrEqual(10);
      expect(goldServed).toBeLessThanOrEqual(30);
      // Gold tasks are not served by the regular scan in id order (they are the lowest ids here).
      expect(served.slice(0, 5).filter((id) => gold.has(id)).length).toBeLessThan(5);
    }
    // Both annotators answered gold tasks; those stay OPEN and uncounted, ready for the next annotator.
    const goldRows = await db.task.findMany({ where: { id: { in: goldIds } }, select: { status: true, submittedCount: true } });
    expect(goldRows.every((t) => t.status === 'OPEN' && t.submittedCount === 0)).toBe(true);
  });

  it('with mixing off (rate 0) no gold task is served, and the regular queue never serves one', async () => {
    const fixture = await createQueueProject({ taskCount: 30, overlap: 1 });
    const goldIds = fixture.taskIds.slice(0, 5);
    for (const taskId of goldIds) await adminApi.gold.mark({ projectId: fixture.projectId, taskId, expected: pairwiseAnswer('B') });
    await adminApi.gold.updateSettings({ projectId: fixture.projectId, mixRate: 0, accuracyThreshold: 0.8, minGoldAnswers: 5 });
    const annotator = await createSignedInUser('annotator');
    const served = await work(await callerFor(annotator), fixture.projectId, 100, () => pairwiseAnswer('A'));
    expect(served.sort((a, b) => a - b)).toEqual(fixture.taskIds.slice(5));
  });

  it('scores answers within tolerance per question type', async () => {
    const form = {
      questions: [
        { id: 'quality', type: 'likert' as const, label: 'Quality', min: 1, max: 7 },
        { id: 'rank', type: 'ranking' as const, label: 'Rank' },
        { id: 'thumbs', type: 'thumbs' as const, label: 'OK?' },
      ],
    };
    const fixture = await createQueueProject({ taskCount: 6, overlap: 1, form, completionsPerTask: 3 });
    const [taskId] = fixture.taskIds;
    const [c1, c2, c3] = fixture.completionIdsByTask.get(taskId) ?? [];
    const expected = {
      quality: { type: 'likert' as const, scores: { [c1]: 5, [c2]: 3, [c3]: 1 } },
      rank: { type: 'ranking' as const, order: [c1, c2, c3] },
      thumbs: { type: 'thumbs' as const, votes: { [c1]: 'up' as const, [c2]: 'down' as const, [c3]: 'down' as const } },
    };
    await adminApi.gold.mark({ projectId: fixture.projectId, taskId, expected, tolerance: { score: 1, ranking: 1 } });
    await adminApi.gold.updateSettings({ projectId: fixture.projectId, mixRate: 0.5, accuracyThreshold: 0, minGoldAnswers: 1000 });
    // Each case: an answer and whether it is within tolerance (worked out by hand).
    const cases: [string, Record<string, unknown>, boolean][] = [
      ['exact', expected, true],
      ['scores 1 off, one adjacent swap (Kendall 1)', { ...expected, quality: { type: 'likert', scores: { [c1]: 4, [c2]: 4, [c3]: 2 } }, rank: { type: 'ranking', order: [c2, c1, c3] } }, true],
      ['a score 2 off', { ...expected, quality: { type: 'likert', scores: { [c1]: 3, [c2]: 3, [c3]: 1 } } }, false],
      ['ranking reversed (Kendall 3)', { ...expected, rank: { type: 'ranking', order: [c3, c2, c1] } }, false],
      ['a thumbs vote differs', { ...expected, thumbs: { type: 'thumbs', votes: { [c1]: 'down', [c2]: 'down', [c3]: 'down' } } }, false],
    ];
    for (const [what, answer, isCorrect] of cases) {
      const annotator = await createSignedInUser('annotator');
      const api = await callerFor(annotator);
      await db.assignment.create({ data: { taskId, projectId: fixture.projectId, userId: annotator.id, expiresAt: new Date(Date.now() + 600_000) } });
      const { annotationId } = await api.annotations.submit({ clientId: randomUUID(), taskId, answer: answer as never, timeSpentMs: 100 });
      const result = await db.goldResult.findUniqueOrThrow({ where: { annotationId }, select: { isCorrect: true } });
      expect({ what, isCorrect: result.isCorrect }).toEqual({ what, isCorrect });
    }
    expect(await taskRow(taskId)).toEqual({ status: 'OPEN', submittedCount: 0 });
  });

  it('pauses an annotator below the threshold after the minimum, says so in the queue, and an admin resumes them', async () => {
    const fixture = await createQueueProject({ taskCount: 40, overlap: 1 });
    const goldIds = fixture.taskIds.slice(0, 10);
    await adminApi.gold.import({ projectId: fixture.projectId, content: goldIds.map((taskId) => JSON.stringify({ taskId, expected: pairwiseAnswer('A') })).join('\n') });
    await adminApi.gold.updateSettings({ projectId: fixture.projectId, mixRate: 0.5, accuracyThreshold: 0.8, minGoldAnswers: 4 });
    const annotator = await createSignedInUser('annotator');
    const api = await callerFor(annotator);
    const gold = new Set(goldIds);
    // Wrong on every gold task: paused on the 4th gold answer (0/4 < 80%), not before.
    let goldAnswered = 0;
    let task = await api.queue.next({ projectId: fixture.projectId });
    let pausedError: Awaited<ReturnType<typeof catchTrpcError>> | null = null;
    while (task) {
      if (gold.has(task.taskId)) goldAnswered++;
      const submitted = api.annotations.submitAndNext({ clientId: randomUUID(), taskId: task.taskId, answer: pairwiseAnswer('B'), timeSpentMs: 100 });
      if (goldAnswered === 4 && gold.has(task.taskId)) {
        pausedError = await catchTrpcError(submitted);
        break;
      }
      task = (await submitted).next;
    }
    expect(goldAnswered).toBe(4);
    expect(pausedError?.code).toBe('CONFLICT');
    expect(pausedError?.message).toBe('Paused: your answers on check tasks fell below 80%. An admin will review your work and resume you.');
    // The rating page's paused panel reads these details, not the message: the threshold, no task.
    expect(pausedError?.cause instanceof AppError ? pausedError.cause.details : null).toEqual({ paused: true, accuracyThreshold: 0.8 });
    // The 4th answer was stored all the same, and the queue keeps saying why.
    expect(await db.goldResult.count({ where: { userId: annotator.id } })).toBe(4);
    const again = await catchTrpcError(api.queue.next({ projectId: fixture.projectId }));
    expect(again?.message).toMatch(/^Paused: /);
    expect(again?.message).not.toMatch(/\d{2,}\D*task|gold/i);

    expect(await goldAccuracyByAnnotator(fixture.projectId)).toEqual([{ userId: annotator.id, goldAnswered: 4, goldCorrect: 0, accuracy: 0, paused: true }]);
    const listed = await adminApi.gold.accuracy({ projectId: fixture.projectId });
    expect(listed.map((r) => ({ name: r.name, goldAnswered: r.goldAnswered, paused: r.paused }))).toEqual([{ name: `annotator ${annotator.email.slice(0, 12)}`, goldAnswered: 4, paused: true }]);

    await adminApi.gold.resume({ projectId: fixture.projectId, userId: annotator.id });
    const resumed = await api.queue.next({ projectId: fixture.projectId });
    expect(resumed).not.toBeNull();
    const audit = await db.auditLog.findFirst({ where: { action: 'annotator.resume', targetId: annotator.id }, select: { actorId: true } });
    expect(audit?.actorId).toBe(admin.id);
    const pause = await db.annotatorPause.findFirstOrThrow({ where: { userId: annotator.id }, select: { clearedAt: true, clearedById: true } });
    expect(pause.clearedById).toBe(admin.id);
    expect((await goldAccuracyByAnnotator(fixture.projectId))[0].paused).toBe(false);
  });

  it('annotators cannot tell gold tasks: queue.next and submitAndNext payloads have the same shape', async () => {
    const fixture = await createQueueProject({ taskCount: 20, overlap: 1 });
    const goldIds = fixture.taskIds.slice(0, 6);
    for (const taskId of goldIds) await adminApi.gold.mark({ projectId: fixture.projectId, taskId, expected: pairwiseAnswer('A') });
    await adminApi.gold.updateSettings({ projectId: fixture.projectId, mixRate: 0.5, accuracyThreshold: 0, minGoldAnswers: 1000 });
    const api = await callerFor(await createSignedInUser('annotator'));
    const shape = (value: unknown): unknown =>
      value instanceof Date
        ? 'date'
        : Array.isArray(value)
          ? value.map(shape)
          : value && typeof value === 'object'
            ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]))
            : typeof value;
    const shapes = { gold: new Set<string>(), regular: new Set<string>() };
    const nextShapes = { gold: new Set<string>(), regular: new Set<string>() };
    let task = await api.queue.next({ projectId: fixture.projectId });
    while (task) {
      const kind = goldIds.includes(task.taskId) ? 'gold' : 'regular';
      nextShapes[kind].add(JSON.stringify(shape(task)));
      const result = await api.annotations.submitAndNext({ clientId: randomUUID(), taskId: task.taskId, answer: pairwiseAnswer('A'), timeSpentMs: 100 });
      shapes[kind].add(JSON.stringify(shape({ ...result, next: null })));
      task = result.next;
    }
    expect(nextShapes.gold.size).toBe(1);
    expect([...nextShapes.gold]).toEqual([...nextShapes.regular]);
    expect([...shapes.gold]).toEqual([...shapes.regular]);
    // And no annotator procedure reaches gold data.
    expect((await catchTrpcError(api.gold.list({ projectId: fixture.projectId })))?.code).toBe('FORBIDDEN');
  });

  it('refuses an expected answer that does not fit the form, and a task of another project', async () => {
    const fixture = await createQueueProject({ taskCount: 2, overlap: 1 });
    const other = await createQueueProject({ taskCount: 1, overlap: 1 });
    const bad = await catchTrpcError(adminApi.gold.mark({ projectId: fixture.projectId, taskId: fixture.taskIds[0], expected: { nope: { type: 'pairwise', choice: 'A' } } }));
    expect(bad?.code).toBe('BAD_REQUEST');
    const foreign = await catchTrpcError(adminApi.gold.mark({ projectId: fixture.projectId, taskId: other.taskIds[0], expected: pairwiseAnswer('A') }));
    expect(foreign?.code).toBe('NOT_FOUND');
    const badLine = await catchTrpcError(adminApi.gold.import({ projectId: fixture.projectId, content: `${JSON.stringify({ taskId: fixture.taskIds[0], expected: pairwiseAnswer('A') })}\nnot json` }));
    expect(badLine?.message).toBe('Line 2: not JSON');
    expect(await db.goldTask.count({ where: { projectId: fixture.projectId } })).toBe(0);
  });
});
