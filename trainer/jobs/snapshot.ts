/**
 * A round's data: a DatasetSnapshot freezes which annotations it uses, so the round can be
 * reproduced (and retried after a crash) on exactly the same data.
 *
 * The snapshot is made by server/datasets/snapshots.ts (createSnapshot, the one way to freeze a
 * selection) with a round's default filters: the project's SUBMITTED annotations older than its
 * undo window (an annotation that can still be undone is not final), all of them at once, split by
 * the project's own HELDOUT prompts. Held-out prompts give the held-out pairs; train prompts the
 * rest. The content hash (sha256 over the snapshot's records in annotation order) is the
 * snapshot's, so equal hashes mean equal data.
 */
import { ZRatingForm } from '../../lib/forms/schema';
import { createSnapshot, readSnapshotRecords, type SnapshotCounts, type SnapshotRecord } from '../../server/datasets/snapshots';
import { buildTrainingData, type PreferencePair, type SftExample } from '../../server/jobs/training-data';
import type { WorkerDb } from '../db';

export type SnapshotData = {
  snapshotId: number;
  contentHash: string;
  trainPairs: PreferencePair[];
  heldoutPairs: PreferencePair[];
  sft: SftExample[];
  counts: { annotations: number; trainPairs: number; heldoutPairs: number; sft: number };
};

/** Creates the snapshot for a project (or, with `snapshotId`, loads the one a retried round made). */
export async function takeSnapshot(db: WorkerDb, options: { projectId: number; snapshotId: number | null; createdById: string | null }): Promise<SnapshotData> {
  const project = await db.project.findUniqueOrThrow({ where: { id: options.projectId }, select: { form: true } });
  const form = ZRatingForm.parse(project.form);
  const snapshotId =
    options.snapshotId ?? (await createSnapshot({ db, projectId: options.projectId, name: null, filters: { split: { mode: 'prompt' } }, createdById: options.createdById })).snapshotId;
  const records: SnapshotRecord[] = [];
  for await (const batch of readSnapshotRecords({ db, snapshotId })) records.push(...batch);
  const train = buildTrainingData(
    form,
    records.filter((r) => r.split === 'TRAIN'),
  );
  const heldout = buildTrainingData(
    form,
    records.filter((r) => r.split === 'HELDOUT'),
  );
  const stored = await db.datasetSnapshot.findUniqueOrThrow({ where: { id: snapshotId }, select: { contentHash: true, counts: true } });
  const storedCounts = stored.counts as Partial<SnapshotCounts>;
  const counts = { annotations: storedCounts.annotations ?? records.length, trainPairs: train.pairs.length, heldoutPairs: heldout.pairs.length, sft: train.sft.length };
  return { snapshotId, contentHash: stored.contentHash, trainPairs: train.pairs, heldoutPairs: heldout.pairs, sft: train.sft, counts };
}
