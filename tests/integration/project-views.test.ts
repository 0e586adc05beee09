/**
 * The admin's project views: one task in detail (prompt, responses in display order, every answer),
 * the annotations table's response excerpts, and the overview's charts, whose numbers must equal
 * the counts seeded here by hand.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/server/db';
import { fillBuckets } from '@/server/services/answer-charts';
import { type TestUser, callerFor, catchTrpcError, createSignedInUser } from '../helpers/api';
import { createQueueProject, type QueueFixture } from './queue-fixtures';

let admin: TestUser;
let annotators: TestUser[];

type Status = 'SUBMITTED' | 'SKIPPED' | 'FLAGGED';

async function annotate(fx: QueueFixture, user: TestUser, taskId: number, status: Status, answer?: object, extra: { createdAt?: Date; flagReason?: string; timeSpentMs?: number } = {}) {
  return db.annotation.create({
    data: {
      clientId: randomUUID(),
      taskId,
      projectId: fx.projectId,
      userId: user.id,
      status,
      answer,
      timeSpentMs: extra.timeSpentMs ?? 1000,
      flagReason: extra.flagReason,
      createdAt: extra.createdAt,
    },
    select: { id: true },
  });
}

const pairwise = (choice: string) => ({ preference: { type: 'pairwise', choice } });

beforeAll(async () => {
  admin = await createSignedInUser('admin');
  annotators = await Promise.all(['Ann A', 'Ann B', 'Ann C', 'Ann D', 'Ann E'].map((name) => createSignedInUser('annotator', name)));
});

describe('oversee.taskDetail', () => {
  it('shows the prompt, the responses in display order and every answer with its annotator, status and time', async () => {
    const fx = await createQueueProject({ taskCount: 2, overlap: 3 });
    const [taskId, otherTaskId] = fx.taskIds;
    await db.prompt.updateMany({
      where: { tasks: { some: { id: taskId } } },
      data: {
        text: 'User: Hi\n\nAssistant: Hello\n\nUser: Add 2 and 3',
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello' },
          { role: 'user', content: 'Add 2 and 3' },
        ],
      },
    });
    const submitted = await annotate(fx, annotators[0], taskId, 'SUBMITTED', { preference: { type: 'pairwise', choice: 'B', strength: 2 } }, { timeSpentMs: 4200 });
    const flagged = await annotate(fx, annotators[1], taskId, 'FLAGGED', undefined, { flagReason: 'Personal data' });
    const skipped = await annotate(fx, annotators[2], taskId, 'SKIPPED');

    const detail = await (await callerFor(admin)).oversee.taskDetail({ projectId: fx.projectId, taskId });
    // The fixture stores each task's completions newest id first: display order is not id order.
    const shown = fx.completionIdsByTask.get(taskId) ?? [];
    expect(shown[0]).toBeGreaterThan(shown[1]);
    expect(detail.completions.map((c) => [c.id, c.text])).toEqual([
      [shown[0], 'Completion 0.1'],
      [shown[1], 'Completion 0.0'],
    ]);
    expect(detail.prompt.messages).toEqual([
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello' },
      { role: 'user', content: 'Add 2 and 3' },
    ]);
    expect(detail.questions.map((q) => q.id)).toEqual(['preference']);
    expect(detail.annotations).toEqual([
      expect.objectContaining({ id: submitted.id, annotatorName: 'Ann A', status: 'SUBMITTED', answer: { preference: { type: 'pairwise', choice: 'B', strength: 2 } }, timeSpentMs: 4200 }),
      expect.objectContaining({ id: flagged.id, annotatorName: 'Ann B', status: 'FLAGGED', flagReason: 'Personal data', answer: null }),
      expect.objectContaining({ id: skipped.id, annotatorName: 'Ann C', status: 'SKIPPED', answer: null }),
    ]);

    const other = await (await callerFor(admin)).oversee.taskDetail({ projectId: fx.projectId, taskId: otherTaskId });
    expect(other.annotations).toEqual([]);
  });

  it('is NOT_FOUND for an unknown task or a task of another project, and admins only', async () => {
    const fx = await createQueueProject({ taskCount: 1, overlap: 1 });
    const elsewhere = await createQueueProject({ taskCount: 1, overlap: 1 });
    const caller = await callerFor(admin);
    expect((await catchTrpcError(caller.oversee.taskDetail({ projectId: fx.projectId, taskId: elsewhere.taskIds[0] }))).code).toBe('NOT_FOUND');
    expect((await catchTrpcError(caller.oversee.taskDetail({ projectId: fx.projectId, taskId: 2_000_000_000 }))).code).toBe('NOT_FOUND');
    expect((await catchTrpcError((await callerFor(annotators[0])).oversee.taskDetail({ projectId: fx.projectId, taskId: fx.taskIds[0] }))).code).toBe('FORBIDDEN');
  });
});

describe('oversee.recentAnnotations', () => {
  it('carries the start of each response text in display order', async () => {
    const fx = await createQueueProject({ taskCount: 1, overlap: 1 });
    const [taskId] = fx.taskIds;
    const [first, second] = fx.completionIdsByTask.get(taskId) ?? [];
    await db.completion.update({ where: { id: first }, data: { text: `Paris   is\nthe capital. ${'More words. '.repeat(40)}` } });
    await annotate(fx, annotators[0], taskId, 'SUBMITTED', pairwise('A'));
    const page = await (await callerFor(admin)).oversee.recentAnnotations({ projectId: fx.projectId, limit: 10 });
    const [row] = page.items;
    expect(row.completions.map((c) => c.id)).toEqual([first, second]);
    expect(row.completions[0].excerpt.startsWith('Paris is the capital. More words.')).toBe(true);
    expect(row.completions[0].excerpt.endsWith('…')).toBe(true);
    expect(row.completions[0].excerpt.length).toBe(161);
    expect(row.completions[1].excerpt).toBe('Completion 0.0');
  });
});

describe('oversee.answerCharts', () => {
  it('counts pairwise choices, left vs right picks and annotations per hour as seeded', async () => {
    const fx = await createQueueProject({ taskCount: 12, overlap: 5 });
    // Seeded: A 5, B 3, tie 2, both bad 1; plus 2 skips and 1 flag (not choices).
    const choices = ['A', 'A', 'A', 'A', 'A', 'B', 'B', 'B', 'tie', 'tie', 'both_bad'];
    const hour = 3600_000;
    const base = Math.floor(Date.now() / hour) * hour;
    // Three hours: 3 hours ago gets 4 answers, 1 hour ago gets 7, this hour 3 (skips and the flag).
    const times = [...Array(4).fill(base - 3 * hour + 60_000), ...Array(7).fill(base - hour + 120_000)];
    for (const [i, choice] of choices.entries()) await annotate(fx, annotators[i % 5], fx.taskIds[i], 'SUBMITTED', pairwise(choice), { createdAt: new Date(times[i]) });
    await annotate(fx, annotators[0], fx.taskIds[11], 'SKIPPED', undefined, { createdAt: new Date(base + 1000) });
    await annotate(fx, annotators[1], fx.taskIds[11], 'SKIPPED', undefined, { createdAt: new Date(base + 2000) });
    await annotate(fx, annotators[2], fx.taskIds[11], 'FLAGGED', undefined, { createdAt: new Date(base + 3000) });

    const charts = await (await callerFor(admin)).oversee.answerCharts({ projectId: fx.projectId });
    expect(charts.submittedCount).toBe(11);
    expect(charts.questions).toEqual([
      {
        questionId: 'preference',
        label: 'Which response is better?',
        type: 'pairwise',
        options: [
          { key: 'A', label: 'A better', count: 5 },
          { key: 'B', label: 'B better', count: 3 },
          { key: 'tie', label: 'Tie', count: 2 },
          { key: 'both_bad', label: 'Both bad', count: 1 },
        ],
        positions: [
          { position: 1, count: 5 },
          { position: 2, count: 3 },
        ],
      },
    ]);
    expect(charts.timeline.unit).toBe('hour');
    expect(charts.timeline.points).toEqual([
      { start: new Date(base - 3 * hour), submitted: 4, skipped: 0, flagged: 0 },
      { start: new Date(base - 2 * hour), submitted: 0, skipped: 0, flagged: 0 },
      { start: new Date(base - hour), submitted: 7, skipped: 0, flagged: 0 },
      { start: new Date(base), submitted: 0, skipped: 2, flagged: 1 },
    ]);
  });

  it('per day once the project is two days old; ranking top picks by display position; Likert and thumbs per option', async () => {
    const ranking = await createQueueProject({ taskCount: 4, overlap: 1, completionsPerTask: 3, form: { questions: [{ id: 'rank', type: 'ranking', label: 'Rank them' }] } });
    const day = 24 * 3600_000;
    const today = Math.floor(Date.now() / day) * day;
    await db.project.update({ where: { id: ranking.projectId }, data: { createdAt: new Date(today - 10 * day) } });
    // Top picks: shown first twice, shown third once, shown second never.
    const order = (taskId: number, positions: number[]) => {
      const shown = ranking.completionIdsByTask.get(taskId) ?? [];
      return { rank: { type: 'ranking', order: positions.map((p) => shown[p]) } };
    };
    await annotate(ranking, annotators[0], ranking.taskIds[0], 'SUBMITTED', order(ranking.taskIds[0], [0, 1, 2]), { createdAt: new Date(today - 5 * day + 3600_000) });
    await annotate(ranking, annotators[0], ranking.taskIds[1], 'SUBMITTED', order(ranking.taskIds[1], [0, 2, 1]), { createdAt: new Date(today - 5 * day + 7200_000) });
    await annotate(ranking, annotators[0], ranking.taskIds[2], 'SUBMITTED', order(ranking.taskIds[2], [2, 1, 0]), { createdAt: new Date(today - 3 * day) });
    const rankingCharts = await (await callerFor(admin)).oversee.answerCharts({ projectId: ranking.projectId });
    expect(rankingCharts.questions[0].positions).toEqual([
      { position: 1, count: 2 },
      { position: 2, count: 0 },
      { position: 3, count: 1 },
    ]);
    expect(rankingCharts.timeline).toEqual({
      unit: 'day',
      points: [
        { start: new Date(today - 5 * day), submitted: 2, skipped: 0, flagged: 0 },
        { start: new Date(today - 4 * day), submitted: 0, skipped: 0, flagged: 0 },
        { start: new Date(today - 3 * day), submitted: 1, skipped: 0, flagged: 0 },
      ],
    });

    const likert = await createQueueProject({
      taskCount: 3,
      overlap: 1,
      completionsPerTask: 2,
      form: {
        questions: [
          { id: 'quality', type: 'likert', label: 'Quality', min: 1, max: 3, labels: { '3': 'Great' } },
          { id: 'ok', type: 'thumbs', label: 'Acceptable?' },
        ],
      },
    });
    const scores = [
      [3, 1],
      [3, 3],
      [2, 3],
    ];
    const votes = [
      ['up', 'down'],
      ['up', 'up'],
      ['down', 'up'],
    ];
    for (const [i, taskId] of likert.taskIds.entries()) {
      const [c0, c1] = likert.completionIdsByTask.get(taskId) ?? [];
      await annotate(likert, annotators[i], taskId, 'SUBMITTED', {
        quality: { type: 'likert', scores: { [c0]: scores[i][0], [c1]: scores[i][1] } },
        ok: { type: 'thumbs', votes: { [c0]: votes[i][0], [c1]: votes[i][1] } },
      });
    }
    const likertCharts = await (await callerFor(admin)).oversee.answerCharts({ projectId: likert.projectId });
    expect(likertCharts.questions.map((q) => [q.questionId, q.options.map((o) => [o.label, o.count]), q.positions])).toEqual([
      [
        'quality',
        [
          ['1', 1],
          ['2', 1],
          ['3 · Great', 4],
        ],
        null,
      ],
      [
        'ok',
        [
          ['Thumbs up', 4],
          ['Thumbs down', 2],
        ],
        null,
      ],
    ]);
  });

  it('a project with no annotations has empty charts; an unknown project is NOT_FOUND', async () => {
    const fx = await createQueueProject({ taskCount: 1, overlap: 1 });
    const caller = await callerFor(admin);
    const charts = await caller.oversee.answerCharts({ projectId: fx.projectId });
    expect(charts.submittedCount).toBe(0);
    expect(charts.timeline.points).toEqual([]);
    expect(charts.questions[0].options.map((o) => o.count)).toEqual([0, 0, 0, 0]);
    expect((await catchTrpcError(caller.oversee.answerCharts({ projectId: 2_000_000_000 }))).code).toBe('NOT_FOUND');
  });

  it('fillBuckets keeps at most 1,200 buckets, the latest', () => {
    const day = 24 * 3600_000;
    const points = fillBuckets(
      [
        { start: new Date(0), submitted: 1, skipped: 0, flagged: 0 },
        { start: new Date(2000 * day), submitted: 2, skipped: 0, flagged: 0 },
      ],
      'day',
    );
    expect(points).toHaveLength(1200);
    expect(points[0].start).toEqual(new Date(801 * day));
    expect(points.at(-1)).toEqual({ start: new Date(2000 * day), submitted: 2, skipped: 0, flagged: 0 });
  });
});
