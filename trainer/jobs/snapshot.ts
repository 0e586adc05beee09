/**
 * A round's data: a DatasetSnapshot freezes which annotations it uses, so the round can be
 * reproduced (and retried after a crash) on exactly the same data.
 *
 * The snapshot is made by server/datasets/snapshots.ts (createSnapshot, the one way to freeze a
 * selection): the project's SUBMITTED annotations older than its undo window (an annotation that
 * can still be undone is not final), split by the project's own HELDOUT prompts, with the round's
 * data options as the snapshot filters of the same names: where labels come from (every answer,
 * majority vote, Dawid-Skene), a minimum agreement, and confidence weights, which every pair then
 * carries as `weight` (1 when the snapshot has none). Held-out prompts give the held-out pairs;
 * train prompts the rest. The content hash (sha256 over the snapshot's records in annotation order)
 * is the snapshot's, so equal hashes mean equal data. A retried round passes the snapshot its
 * first attempt froze and reads it with the options it was taken with.
 */
import { ZRatingForm } from '../../lib/forms/schema';
import { createSnapshot, readSnapshotRecords, type SnapshotCounts, type SnapshotFiltersInput, type SnapshotRecord } from '../../server/datasets/snapshots';
import type { RoundConfig } from '../../server/jobs/contracts';
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

/** A round's data options, as a snapshot's filters (the defaults add none: every answer, unweighted). */
export type RoundDataOptions = Pick<RoundConfig, 'labelSource' | 'minAgreement' | 'weightByConfidence'>;

export function roundSnapshotFilters(options: Partial<RoundDataOptions> = {}): SnapshotFiltersInput {
  return {
    split: { mode: 'prompt' },
    ...(options.labelSource && options.labelSource !== 'all' && { labelSource: options.labelSource }),
    ...(options.minAgreement !== undefined && options.minAgreement !== null && { minAgreement: options.minAgreement }),
    ...(options.weightByConfidence && { weightByConfidence: true }),
  };
}

/** Creates the snapshot for a project (or, with `snapshotId`, loads the one a retried round made). */
export async function takeSnapshot(db: WorkerDb, options: { projectId: number; snapshotId: number | null; createdById: string | null; data?: Partial<RoundDataOptions> }): Promise<SnapshotData> {
  const project = await db.project.findUniqueOrThrow({ where: { id: options.projectId }, select: { form: true } });
  const form = ZRatingForm.parse(project.form);
  const snapshotId =
    options.snapshotId ?? (await createSnapshot({ db, projectId: options.projectId, name: null, filters: roundSnapshotFilters(options.data), createdById: options.createdById })).snapshotId;
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
