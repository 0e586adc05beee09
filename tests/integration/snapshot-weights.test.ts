/**
 * "Weight by confidence": every exported row carries `weight`, the confidence of its label,
 * checked against hand computations on a small fixture (vote shares, and a Dawid-Skene EM written
 * out here independently of lib/stats), in JSONL, CSV (read back with papaparse) and the dataset card.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import Papa from 'papaparse';
import { beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/server/db';
import { exportSnapshot, exportSnapshotToFolder } from '@/server/datasets/export';
import type { ExportEncoding, ExportFormat } from '@/server/datasets/formats';
import { createSnapshot } from '@/server/datasets/snapshots';
import { createQueueProject, type QueueFixture } from './queue-fixtures';
import { createAnnotators, insertAnswers } from './quality-fixtures';

type Choice = 'A' | 'B' | 'tie' | 'both_bad';
const CLASSES: Choice[] = ['A', 'B', 'tie', 'both_bad'];

async function exportText(snapshotId: number, format: ExportFormat, encoding: ExportEncoding = 'jsonl'): Promise<string> {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(Buffer.from(chunk));
      callback();
    },
  });
  await exportSnapshot({ snapshotId, format, encoding, out });
  return Buffer.concat(chunks).toString('utf8');
}

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

/**
 * Dawid & Skene (1979) by the book, as a reference: start from each task's vote shares; M step
 * (priors = mean posterior, confusion rows = 0.01 + expected counts, normalised); E step
 * (posterior ∝ prior · Π confusion[k][answer]); iterated until nothing moves.
 */
function referenceDawidSkene(tasks: Choice[][], annotatorsOf: number[][], annotatorCount: number): number[][] {
  const K = CLASSES.length;
  let posteriors = tasks.map((answers) => CLASSES.map((c) => answers.filter((a) => a === c).length / answers.length));
  for (let iteration = 0; iteration < 2000; iteration += 1) {
    const priors = CLASSES.map((_, k) => posteriors.reduce((s, p) => s + p[k], 0) / tasks.length);
    const confusion = Array.from({ length: annotatorCount }, () => Array.from({ length: K }, () => new Array<number>(K).fill(0.01)));
    tasks.forEach((answers, i) => answers.forEach((answer, n) => CLASSES.forEach((_, k) => (confusion[annotatorsOf[i][n]][k][CLASSES.indexOf(answer)] += posteriors[i][k]))));
    for (const rows of confusion) for (const row of rows) row.splice(0, K, ...row.map((v) => v / row.reduce((s, x) => s + x, 0)));
    posteriors = tasks.map((answers, i) => {
      const unnormalised = CLASSES.map((_, k) => answers.reduce((p, answer, n) => p * confusion[annotatorsOf[i][n]][k][CLASSES.indexOf(answer)], Math.max(priors[k], 1e-300)));
      const total = unnormalised.reduce((s, v) => s + v, 0);
      return unnormalised.map((v) => v / total);
    });
  }
  return posteriors;
}

describe('snapshots weighted by confidence', () => {
  let fx: QueueFixture;
  // Xena, Yusuf, Zara on tasks 0-4. Task 4 is tied (A against tie): no majority, but Dawid-Skene
  // trusts Xena (she sides with the majority every time) over Yusuf.
  const table: Choice[][] = [
    ['A', 'A', 'A'],
    ['A', 'A', 'B'],
    ['B', 'B', 'B'],
    ['A', 'B', 'B'],
    ['A', 'tie'],
  ];
  /** Prompt i's completions are "Completion i.0" and "i.1"; the task shows i.1 as A (the fixture reverses them). */
  const textOf = (task: number, side: 'A' | 'B') => `Completion ${task}.${side === 'A' ? 1 : 0}`;

  beforeAll(async () => {
    fx = await createQueueProject({ taskCount: 5, overlap: 3 });
    const users = await createAnnotators(['Xena', 'Yusuf', 'Zara']);
    await insertAnswers(
      fx.projectId,
      table.flatMap((answers, i) => answers.map((choice, n) => ({ taskId: fx.taskIds[i], userId: users[n], answer: { preference: { type: 'pairwise' as const, choice } } }))),
    );
  });

  it('off by default: rows have no weight, as before', async () => {
    const plain = await createSnapshot({ db, projectId: fx.projectId, name: null, filters: {}, createdById: null });
    const rows = jsonLines(await exportText(plain.snapshotId, 'trl-preference'));
    expect(rows).toHaveLength(13); // 14 answers, one a tie (no pair)
    expect(rows.every((r) => !('weight' in r))).toBe(true);
    expect((await exportText(plain.snapshotId, 'trl-preference', 'csv')).split('\r\n')[0]).toBe('prompt,chosen,rejected');
  });

  it('every answer: the share of its task answering the same, in JSONL, CSV and raw', async () => {
    const snap = await createSnapshot({ db, projectId: fx.projectId, name: null, filters: { weightByConfidence: true }, createdById: null });
    const rows = jsonLines(await exportText(snap.snapshotId, 'trl-preference'));
    // Rows in annotation order: task by task, annotators in order.
    const expected = table.flatMap((answers, i) =>
      answers
        .flatMap((choice) => (choice === 'tie' ? [] : [{ choice, answers }]))
        .map(({ choice, answers: all }) => ({
          prompt: `Prompt ${i}`,
          chosen: textOf(i, choice as 'A' | 'B'),
          rejected: textOf(i, choice === 'A' ? 'B' : 'A'),
          weight: all.filter((c) => c === choice).length / all.length,
        })),
    );
    expect(rows.map((r) => ({ ...r, weight: Number((r.weight as number).toFixed(6)) }))).toEqual(expected.map((r) => ({ ...r, weight: Number(r.weight.toFixed(6)) })));
    // By hand: task 1's B answer 1/3, task 3's A answer 1/3, task 4's A answer 1/2 (its tie gives no pair).
    const byHand = [1, 1, 1, 0.667, 0.667, 0.333, 1, 1, 1, 0.333, 0.667, 0.667, 0.5];
    expect(rows.map((r) => Number((r.weight as number).toFixed(3)))).toEqual(byHand);

    const csv = Papa.parse<Record<string, string>>(await exportText(snap.snapshotId, 'trl-preference', 'csv'), { header: true, skipEmptyLines: true });
    expect(csv.meta.fields).toEqual(['prompt', 'chosen', 'rejected', 'weight']);
    expect(csv.data.map((r) => Number(Number(r.weight).toFixed(3)))).toEqual(byHand);
    const raw = jsonLines(await exportText(snap.snapshotId, 'raw'));
    expect(raw.map((r) => Number((r.weight as number).toFixed(3)))).toEqual([...byHand, 0.5]);
  });

  it('majority vote: one row per task with a majority, weighted by its share of the votes; the card says so', async () => {
    const snap = await createSnapshot({ db, projectId: fx.projectId, name: 'majority weighted', filters: { labelSource: 'majority', minAgreement: 0.6, weightByConfidence: true }, createdById: null });
    const rows = jsonLines(await exportText(snap.snapshotId, 'trl-preference'));
    // Task 0: A with 3/3; 1: A with 2/3; 2: B with 3/3; 3: B with 2/3; 4 tied, no majority.
    expect(rows.map((r) => ({ ...r, weight: Number((r.weight as number).toFixed(6)) }))).toEqual([
      { prompt: 'Prompt 0', chosen: textOf(0, 'A'), rejected: textOf(0, 'B'), weight: 1 },
      { prompt: 'Prompt 1', chosen: textOf(1, 'A'), rejected: textOf(1, 'B'), weight: Number((2 / 3).toFixed(6)) },
      { prompt: 'Prompt 2', chosen: textOf(2, 'B'), rejected: textOf(2, 'A'), weight: 1 },
      { prompt: 'Prompt 3', chosen: textOf(3, 'B'), rejected: textOf(3, 'A'), weight: Number((2 / 3).toFixed(6)) },
    ]);

    const dir = await mkdtemp(path.join(os.tmpdir(), 'weights-'));
    await exportSnapshotToFolder({ snapshotId: snap.snapshotId, format: 'trl-preference', encoding: 'jsonl', dir });
    const card = await readFile(path.join(dir, 'README.md'), 'utf8');
    expect(card).toContain('- labels: majority vote per task');
    expect(card).toContain('- tasks with agreement at least 0.6 on `preference`');
    expect(card).toContain('### Weights');
    expect(card).toContain("the share of the task's votes on `preference` that went to the majority label");
    expect(card).toContain('| `weight` |');
    const train = jsonLines(await readFile(path.join(dir, 'data/train.jsonl'), 'utf8'));
    expect(train.map((r) => Number((r.weight as number).toFixed(3)))).toEqual([1, 0.667, 1, 0.667]);
  });

  it('Dawid-Skene: the posterior of the chosen label, as a reference EM computes it', async () => {
    const snap = await createSnapshot({ db, projectId: fx.projectId, name: null, filters: { labelSource: 'dawid-skene', weightByConfidence: true }, createdById: null });
    const posteriors = referenceDawidSkene(
      table,
      table.map((answers) => answers.map((_, n) => n)),
      3,
    );
    const expected = posteriors.map((p, i) => {
      const best = p.indexOf(Math.max(...p));
      return { task: i, label: CLASSES[best], weight: p[best] };
    });
    const raw = jsonLines(await exportText(snap.snapshotId, 'raw'));
    const got = raw.map((r) => ({
      task: fx.taskIds.indexOf(r.task_id as number),
      label: (r.answers as { preference: { choice: Choice } }).preference.choice,
      weight: r.weight as number,
    }));
    expect(got.map((g) => [g.task, g.label])).toEqual(expected.map((e) => [e.task, e.label]));
    // The tied task gets Xena's A, which a majority vote cannot give.
    expect(got[4].label).toBe('A');
    for (const [i, g] of got.entries()) {
      expect(g.weight).toBeGreaterThan(0);
      expect(g.weight).toBeLessThanOrEqual(1);
      expect(Math.abs(g.weight - expected[i].weight), `task ${i}: ${g.weight} vs ${expected[i].weight}`).toBeLessThan(0.005);
    }
    const preference = jsonLines(await exportText(snap.snapshotId, 'trl-preference'));
    expect(preference.map((r) => r.weight)).toEqual(got.filter((g) => g.label === 'A' || g.label === 'B').map((g) => g.weight));
  });

  it('a form without a pairwise or ranking question cannot be weighted', async () => {
    const thumbs = await createQueueProject({ taskCount: 1, overlap: 1, form: { questions: [{ id: 'thumbs', type: 'thumbs', label: 'OK?' }] } });
    await expect(createSnapshot({ db, projectId: thumbs.projectId, name: null, filters: { weightByConfidence: true }, createdById: null })).rejects.toThrow(/pairwise or ranking/);
  });
});
