/**
 * Snapshots with consensus labels: one answer per task, carrying the task's majority (or
 * Dawid-Skene) label, so the snapshot's pairs are the consensus pairs, computed here by hand.
 */
import { describe, expect, it } from 'vitest';
import { createSnapshot, readSnapshotRecords } from '@/server/datasets/snapshots';
import { buildTrainingData } from '@/server/jobs/training-data';
import { db } from '@/server/db';
import { FORM_PRESETS, ZRatingForm } from '@/lib/forms/schema';
import { createQueueProject } from './queue-fixtures';
import { createAnnotators, insertAnswers } from './quality-fixtures';

const choice = (c: 'A' | 'B' | 'tie') => ({ preference: { type: 'pairwise' as const, choice: c } });

async function snapshotPairs(snapshotId: number) {
  const form = ZRatingForm.parse(FORM_PRESETS.pairwise);
  const pairs: { taskId: number; chosen: string; rejected: string }[] = [];
  for await (const batch of readSnapshotRecords({ db, snapshotId })) {
    for (const record of batch) for (const pair of buildTrainingData(form, [record]).pairs) pairs.push({ taskId: record.taskId, chosen: pair.chosen, rejected: pair.rejected });
  }
  return pairs.sort((a, b) => a.taskId - b.taskId);
}

describe('snapshots with consensus labels', () => {
  it('majority: one pair per task with a majority, in its direction; tied tasks left out', async () => {
    // T1: A A B → A; T2: B B A → B; T3: A B → tie, no majority; T4: tie tie A → tie (no pair).
    const fx = await createQueueProject({ taskCount: 4, overlap: 3 });
    const [x, y, z] = await createAnnotators(['Xena', 'Yusuf', 'Zara']);
    const [t1, t2, t3, t4] = fx.taskIds;
    const rows: [number, string, 'A' | 'B' | 'tie'][] = [
      [t1, x, 'A'],
      [t1, y, 'A'],
      [t1, z, 'B'],
      [t2, x, 'B'],
      [t2, y, 'B'],
      [t2, z, 'A'],
      [t3, x, 'A'],
      [t3, y, 'B'],
      [t4, x, 'tie'],
      [t4, y, 'tie'],
      [t4, z, 'A'],
    ];
    await insertAnswers(
      fx.projectId,
      rows.map(([taskId, userId, c]) => ({ taskId, userId, answer: choice(c) })),
    );
    const text = async (id: number) => (await db.completion.findUniqueOrThrow({ where: { id }, select: { text: true } })).text;
    const [a1, b1] = fx.completionIdsByTask.get(t1) ?? [];
    const [a2, b2] = fx.completionIdsByTask.get(t2) ?? [];

    const all = await createSnapshot({ db, projectId: fx.projectId, name: null, filters: {}, createdById: null });
    expect(all.counts.annotations).toBe(11);

    const majority = await createSnapshot({ db, projectId: fx.projectId, name: null, filters: { labelSource: 'majority' }, createdById: null });
    // Kept: T1's first A, T2's first B, T4's first tie (a tie gives no pair); T3 has no majority.
    expect(majority.counts.annotations).toBe(3);
    expect(await snapshotPairs(majority.snapshotId)).toEqual([
      { taskId: t1, chosen: await text(a1), rejected: await text(b1) },
      { taskId: t2, chosen: await text(b2), rejected: await text(a2) },
    ]);

    // Dawid-Skene labels every task; with agreeing annotators it follows the majority where there is one.
    const ds = await createSnapshot({ db, projectId: fx.projectId, name: null, filters: { labelSource: 'dawid-skene' }, createdById: null });
    expect(ds.counts.annotations).toBe(4);
    const dsPairs = await snapshotPairs(ds.snapshotId);
    expect(dsPairs.filter((p) => p.taskId !== t3)).toEqual([
      { taskId: t1, chosen: await text(a1), rejected: await text(b1) },
      { taskId: t2, chosen: await text(b2), rejected: await text(a2) },
    ]);
  });
});
