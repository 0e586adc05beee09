/**
 * Quality statistics on a real database, against hand computations, and a simulation of
 * annotators with known accuracy.
 */
import { describe, expect, it } from 'vitest';
import { projectAgreement } from '@/server/quality/agreement';
import { annotatorQuality } from '@/server/quality/annotator-quality';
import { categoricalConsensus, consensusPreview } from '@/server/quality/consensus';
import { measuresOfForm } from '@/server/quality/measures';
import { positionBias } from '@/server/quality/position-bias';
import { db } from '@/server/db';
import { ZRatingForm } from '@/lib/forms/schema';
import { seededRandom } from '@/lib/stats/random';
import { createQueueProject } from './queue-fixtures';
import { createAnnotators, insertAnswers } from './quality-fixtures';

const choice = (c: 'A' | 'B' | 'tie' | 'both_bad') => ({ preference: { type: 'pairwise' as const, choice: c } });

describe('agreement, position bias and annotator quality on a hand-computed pairwise project', () => {
  // Three annotators X, Y, Z on four tasks:
  //   T1: A A A   T2: A A B   T3: B B B   T4: A B (Z did not answer)
  // Coincidences: o_AA = 3 + 1 = 4, o_AB = o_BA = 1 + 1 = 2, o_BB = 3; n_A = 6, n_B = 5, n = 11.
  // Nominal alpha = 1 − (n − 1)(o_AB + o_BA) / (2 n_A n_B) = 1 − 10 · 4 / 60 = 1/3.
  // Percent agreement: (1 + 1/3 + 1 + 0) / 4 = 7/12.
  // Kappa X–Y (A/A 2, B/B 1, A/B 1): p_o = 3/4, p_e = 3/4 · 1/2 + 1/4 · 1/2 = 1/2 → 0.5.
  // Kappa X–Z and Y–Z (A/A, A/B, B/B): p_o = 2/3, p_e = 2/9 + 2/9 = 4/9 → (2/9) / (5/9) = 0.4.
  // Mean kappa weighted by shared tasks: (0.5 · 4 + 0.4 · 3 + 0.4 · 3) / 10 = 0.44.
  it('gives the hand-computed values', async () => {
    const fx = await createQueueProject({ taskCount: 4, overlap: 3 });
    const [x, y, z] = await createAnnotators(['Xavier', 'Yvonne', 'Zoe']);
    const [t1, t2, t3, t4] = fx.taskIds;
    const rows: [number, string, 'A' | 'B', number][] = [
      [t1, x, 'A', 100],
      [t2, x, 'A', 200],
      [t3, x, 'B', 300],
      [t4, x, 'A', 400],
      [t1, y, 'A', 4000],
      [t2, y, 'A', 5000],
      [t3, y, 'B', 6000],
      [t4, y, 'B', 7000],
      [t1, z, 'A', 9000],
      [t2, z, 'B', 9000],
      [t3, z, 'B', 9000],
    ];
    await insertAnswers(
      fx.projectId,
      rows.map(([taskId, userId, c, timeSpentMs]) => ({ taskId, userId, answer: choice(c), timeSpentMs })),
    );

    const agreement = await projectAgreement({ db, projectId: fx.projectId, bootstrap: { seed: 1, replicates: 300 } });
    const [measure] = agreement.measures;
    expect(measure.key).toBe('preference');
    expect(measure.level).toBe('nominal');
    expect(measure.units).toBe(4);
    expect(measure.values).toBe(11);
    expect(measure.alpha?.value).toBeCloseTo(1 / 3, 10);
    expect(measure.percentAgreement?.value).toBeCloseTo(7 / 12, 10);
    expect(measure.meanKappa?.value).toBeCloseTo(0.44, 10);
    expect(measure.alpha?.low).toBeLessThanOrEqual(measure.alpha?.high ?? Number.NaN);

    const kappaOf = (a: string, b: string) => agreement.heatmap?.pairs.find((p) => (p.a === a && p.b === b) || (p.a === b && p.b === a));
    expect(kappaOf(x, y)?.kappa?.value).toBeCloseTo(0.5, 10);
    expect(kappaOf(x, y)?.units).toBe(4);
    expect(kappaOf(x, z)?.kappa?.value).toBeCloseTo(0.4, 10);
    expect(kappaOf(y, z)?.kappa?.value).toBeCloseTo(0.4, 10);
    expect(agreement.heatmap?.annotators.map((a) => a.name)).toEqual(['Xavier', 'Yvonne', 'Zoe']);

    // Position bias: A picks X 3/4, Y 2/4, Z 1/3; project 6/11.
    // binom.test(3, 4): P(X ≥ 3) + P(X ≤ 1) = 5/16 + 5/16 = 0.625; binom.test(6, 11) = 1.
    const bias = await positionBias({ db, projectId: fx.projectId });
    expect(bias?.project).toMatchObject({ firstPicks: 6, picks: 11, chance: 0.5, isFlagged: false });
    expect(bias?.project.pValue).toBeCloseTo(1, 10);
    const biasX = bias?.annotators.find((a) => a.userId === x);
    expect(biasX).toMatchObject({ firstPicks: 3, picks: 4 });
    expect(biasX?.pValue).toBeCloseTo(0.625, 10);

    // Quality: X agrees with Y on 3 of 4 and with Z on 2 of 3 → 5/7; Z: 2/3 + 2/3 → 4/6.
    // Reading time: "Prompt i" (8 characters) + two "Completion i.j" (14 each) = 36 characters at
    // 50 a second = 720 ms; X answered in 100–400 ms (4 fast), the others slower.
    const quality = await annotatorQuality({ db, projectId: fx.projectId });
    const qx = quality.annotators.find((a) => a.userId === x);
    const qz = quality.annotators.find((a) => a.userId === z);
    expect(qx?.agreement).toBeCloseTo(5 / 7, 10);
    expect(qx?.comparisons).toBe(7);
    expect(qz?.agreement).toBeCloseTo(4 / 6, 10);
    expect(qx?.fastAnswers).toBe(4);
    // The table's position bias column (read from the same answers): X 3 of 4 first picks, p 0.625.
    expect(qx?.positionBias).toMatchObject({ firstPicks: 3, picks: 4, chance: 0.5, isFlagged: false });
    expect(qx?.positionBias?.pValue).toBeCloseTo(0.625, 10);
    expect(qz?.positionBias).toMatchObject({ firstPicks: 1, picks: 3 });
    // No gold tasks and no reviews in this project: the columns are empty, not zero-percent.
    expect(qx).toMatchObject({ goldAnswered: 0, goldAccuracy: null, reviewed: 0, reviewAcceptance: null });
    expect(qz?.fastAnswers).toBe(0);
    expect(qx?.medianTimeMs).toBe(250);
    expect(quality.annotators.find((a) => a.userId === y)?.medianTimeMs).toBe(5500);
  });
});

describe('scores and rankings', () => {
  // Likert, two annotators, one task with completions c1, c2: X gives c1 = 1, c2 = 3; Y gives 1, 2.
  // Units: c1 {1, 1}, c2 {2, 3}. o_11 = 2, o_23 = o_32 = 1; n_1 = 2, n_2 = n_3 = 1, n = 4.
  // Ordinal δ²: (1,2) = (n_1 + n_2 − (n_1 + n_2)/2)² = 1.5² = 2.25; (1,3) = (4 − 1.5)² = 6.25; (2,3) = (2 − 1)² = 1.
  // α = 1 − (n − 1) · Σ o δ² / Σ n_c n_k δ² = 1 − 3 · 2 / (2 · (2 · 2.25 + 2 · 6.25 + 1)) = 1 − 6/36 = 5/6.
  // Ranking, same two: X ranks c1 > c2, Y ranks c2 > c1: positions c1 {1, 2}, c2 {2, 1}.
  // Interval: o_12 = o_21 = 2, n_1 = n_2 = 2, n = 4: α = 1 − 3 · 4 / (2 · 2 · 2 · 1) = 1 − 12/8 = −0.5.
  it('measures Likert scores on the ordinal level and rank positions on the interval level', async () => {
    const form = ZRatingForm.parse({
      questions: [
        { id: 'quality', type: 'likert', label: 'Quality', min: 1, max: 5 },
        { id: 'rank', type: 'ranking', label: 'Rank' },
      ],
    });
    const fx = await createQueueProject({ taskCount: 1, overlap: 2, form });
    const [x, y] = await createAnnotators(['Xia', 'Yann']);
    const [c1, c2] = fx.completionIdsByTask.get(fx.taskIds[0]) ?? [];
    await insertAnswers(fx.projectId, [
      { taskId: fx.taskIds[0], userId: x, answer: { quality: { type: 'likert', scores: { [c1]: 1, [c2]: 3 } }, rank: { type: 'ranking', order: [c1, c2] } } },
      { taskId: fx.taskIds[0], userId: y, answer: { quality: { type: 'likert', scores: { [c1]: 1, [c2]: 2 } }, rank: { type: 'ranking', order: [c2, c1] } } },
    ]);
    const agreement = await projectAgreement({ db, projectId: fx.projectId, bootstrap: { replicates: 50 } });
    const likert = agreement.measures.find((m) => m.key === 'quality');
    const ranking = agreement.measures.find((m) => m.key === 'rank');
    expect(likert).toMatchObject({ level: 'ordinal', units: 2, values: 4 });
    expect(likert?.alpha?.value).toBeCloseTo(5 / 6, 10);
    expect(ranking).toMatchObject({ level: 'interval', units: 2, values: 4 });
    expect(ranking?.alpha?.value).toBeCloseTo(-0.5, 10);
    // Ranking position bias: X ranked c1 (shown first) best, Y did not: 1 of 2, chance 1/2.
    const bias = await positionBias({ db, projectId: fx.projectId });
    expect(bias?.questionType).toBe('ranking');
    expect(bias?.project).toMatchObject({ firstPicks: 1, picks: 2, chance: 0.5 });
  });
});

describe('thumbs and attribute scores', () => {
  // Two annotators, one task with completions c1, c2.
  // Thumbs: X up/down, Y up/up. Units c1 {1, 1}, c2 {0, 1}: o_11 = 2, o_01 = o_10 = 1; n_0 = 1, n_1 = 3,
  // n = 4. Nominal α = 1 − (n − 1)(o_01 + o_10) / (2 n_0 n_1) = 1 − 3 · 2 / 6 = 0. Percent agreement
  // (1 + 0) / 2 = 1/2. Kappa X–Y: p_o = 1/2, p_e = (1/2 · 1) = 1/2 → 0.
  // Clarity scores: X 3 and 4, Y 3 and 5: units {3, 3}, {4, 5}, the Likert example's shape above
  // (ordinal δ² depends only on the marginals 2, 1, 1): α = 5/6.
  it('reads each completion as a unit', async () => {
    const form = ZRatingForm.parse({
      questions: [
        { id: 'ok', type: 'thumbs', label: 'Acceptable?' },
        { id: 'attrs', type: 'attributes', label: 'Scores', attributes: [{ name: 'clarity', label: 'Clarity', min: 1, max: 5 }] },
      ],
    });
    const fx = await createQueueProject({ taskCount: 1, overlap: 2, form });
    const [x, y] = await createAnnotators(['Xena', 'Yusuf']);
    const [c1, c2] = fx.completionIdsByTask.get(fx.taskIds[0]) ?? [];
    await insertAnswers(fx.projectId, [
      {
        taskId: fx.taskIds[0],
        userId: x,
        answer: { ok: { type: 'thumbs', votes: { [c1]: 'up', [c2]: 'down' } }, attrs: { type: 'attributes', scores: { [c1]: { clarity: 3 }, [c2]: { clarity: 4 } } } },
      },
      {
        taskId: fx.taskIds[0],
        userId: y,
        answer: { ok: { type: 'thumbs', votes: { [c1]: 'up', [c2]: 'up' } }, attrs: { type: 'attributes', scores: { [c1]: { clarity: 3 }, [c2]: { clarity: 5 } } } },
      },
    ]);
    const agreement = await projectAgreement({ db, projectId: fx.projectId, bootstrap: { replicates: 50 } });
    const thumbs = agreement.measures.find((m) => m.key === 'ok');
    const clarity = agreement.measures.find((m) => m.key === 'attrs.clarity');
    expect(thumbs).toMatchObject({ level: 'nominal', units: 2, values: 4, pairs: 1 });
    expect(thumbs?.alpha?.value).toBeCloseTo(0, 10);
    expect(thumbs?.percentAgreement?.value).toBeCloseTo(1 / 2, 10);
    expect(thumbs?.meanKappa?.value).toBeCloseTo(0, 10);
    expect(clarity).toMatchObject({ level: 'ordinal', units: 2, values: 4 });
    expect(clarity?.alpha?.value).toBeCloseTo(5 / 6, 10);
    // Thumbs consensus: one item per completion.
    const preview = await consensusPreview({ db, projectId: fx.projectId });
    expect(preview).toMatchObject({ measureKey: 'ok', method: 'dawid-skene', items: 2 });
    expect(preview?.sample.map((row) => row.completionId).sort()).toEqual([c1, c2].sort());
  });
});

describe('a simulation with annotators of known accuracy', () => {
  // Four annotators answer every one of 1,000 pairwise tasks; each picks the better completion with
  // their accuracy (else the other). The true better completion is random per task.
  const accuracies = [0.95, 0.85, 0.7, 0.55];
  it('ranks annotators by their accuracy, and Dawid-Skene recovers that order and beats the majority vote', async () => {
    const taskCount = 1000;
    const fx = await createQueueProject({ taskCount: 0, overlap: 4 });
    // Tasks without the per-row fixture loop: one prompt and task per row, in bulk.
    const prompts = await db.prompt.createManyAndReturn({ data: Array.from({ length: taskCount }, (_, i) => ({ projectId: fx.projectId, text: `Simulated prompt ${i}` })), select: { id: true } });
    const completions = await db.completion.createManyAndReturn({
      data: prompts.flatMap((p) => [
        { promptId: p.id, text: 'first' },
        { promptId: p.id, text: 'second' },
      ]),
      select: { id: true, promptId: true },
    });
    const tasks = await db.task.createManyAndReturn({
      data: prompts.map((p) => ({ projectId: fx.projectId, promptId: p.id, completionIds: completions.filter((c) => c.promptId === p.id).map((c) => c.id) })),
      select: { id: true },
    });
    const users = await createAnnotators(['Ann 95', 'Ben 85', 'Cat 70', 'Dan 55']);
    const random = seededRandom(2026);
    const truth = new Map<number, 'A' | 'B'>();
    const answers = tasks.flatMap(({ id }) => {
      const better = random() < 0.5 ? 'A' : 'B';
      truth.set(id, better);
      return users.map((userId, j) => {
        const isRight = random() < accuracies[j];
        const picked: 'A' | 'B' = isRight ? better : better === 'A' ? 'B' : 'A';
        return { taskId: id, userId, answer: choice(picked) };
      });
    });
    await insertAnswers(fx.projectId, answers);

    const quality = await annotatorQuality({ db, projectId: fx.projectId });
    const byUser = new Map(quality.annotators.map((a) => [a.userId, a]));
    const agreementOrder = [...users].sort((a, b) => (byUser.get(b)?.agreement ?? 0) - (byUser.get(a)?.agreement ?? 0));
    expect(agreementOrder).toEqual(users);
    const accuracyOrder = [...users].sort((a, b) => (byUser.get(b)?.estimatedAccuracy ?? 0) - (byUser.get(a)?.estimatedAccuracy ?? 0));
    expect(accuracyOrder).toEqual(users);
    users.forEach((userId, j) => expect(Math.abs((byUser.get(userId)?.estimatedAccuracy ?? 0) - accuracies[j])).toBeLessThan(0.05));

    const [measure] = measuresOfForm(ZRatingForm.parse({ questions: [{ id: 'preference', type: 'pairwise', label: 'Which?' }] }));
    const consensus = await categoricalConsensus({ db, projectId: fx.projectId, measure });
    const classes = ['A', 'B', 'tie', 'both_bad'];
    let dsRight = 0;
    let majorityRight = 0;
    consensus.answers.itemTasks.forEach((taskId, i) => {
      if (classes[consensus.dawidSkene.labels[i]] === truth.get(taskId)) dsRight += 1;
      if (consensus.majority.labels[i] >= 0 && classes[consensus.majority.labels[i]] === truth.get(taskId)) majorityRight += 1;
    });
    expect(consensus.answers.itemTasks.length).toBe(taskCount);
    expect(dsRight / taskCount).toBeGreaterThan(majorityRight / taskCount + 0.03);

    const preview = await consensusPreview({ db, projectId: fx.projectId });
    expect(preview?.method).toBe('dawid-skene');
    expect(preview?.items).toBe(taskCount);
  });
});
