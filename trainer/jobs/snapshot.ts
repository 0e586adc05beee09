/**
 * A round's data: a DatasetSnapshot freezes which annotations it uses, so the round can be
 * reproduced (and retried after a crash) on exactly the same data.
 *
 * The selection: the project's SUBMITTED annotations older than its undo window (an annotation
 * that can still be undone is not final), all of them at once. Held-out prompts (split HELDOUT)
 * give the held-out pairs; train prompts the rest. The content hash is a sha256 over the training
 * rows in annotation order, so equal hashes mean equal data.
 */
import { createHash } from 'node:crypto';
import { ZAnswer, ZRatingForm } from '../../lib/forms/schema';
import { buildTrainingData, type AnnotationRecord, type ChatTurn, type PreferencePair, type SftExample } from '../../server/jobs/training-data';
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
  const project = await db.project.findUniqueOrThrow({ where: { id: options.projectId }, select: { form: true, undoSeconds: true } });
  const form = ZRatingForm.parse(project.form);
  let snapshotId = options.snapshotId;
  if (snapshotId === null) {
    const before = new Date(Date.now() - project.undoSeconds * 1000);
    snapshotId = await db.$transaction(async (tx) => {
      const snapshot = await tx.datasetSnapshot.create({
        data: { projectId: options.projectId, filters: { status: 'SUBMITTED', before: before.toISOString() }, counts: {}, contentHash: '', createdById: options.createdById },
        select: { id: true },
      });
      await tx.$executeRaw`
        INSERT INTO "SnapshotAnnotation" ("snapshotId", "annotationId")
        SELECT ${snapshot.id}::int, a.id FROM "Annotation" a
        WHERE a."projectId" = ${options.projectId}::int AND a.status = 'SUBMITTED' AND a."createdAt" <= ${before}`;
      return snapshot.id;
    });
  }
  const records = await loadRecords(db, snapshotId);
  const train = buildTrainingData(form, records.filter((r) => r.split === 'TRAIN'));
  const heldout = buildTrainingData(form, records.filter((r) => r.split === 'HELDOUT'));
  const hash = createHash('sha256');
  for (const row of [...train.pairs, ...heldout.pairs]) hash.update(JSON.stringify(['pair', row.annotationId, row.prompt, row.chosen, row.rejected, row.strength]) + '\n');
  for (const row of train.sft) hash.update(JSON.stringify(['sft', row.annotationId, row.prompt, row.completion, row.source]) + '\n');
  const contentHash = hash.digest('hex');
  const counts = { annotations: records.length, trainPairs: train.pairs.length, heldoutPairs: heldout.pairs.length, sft: train.sft.length };
  await db.datasetSnapshot.update({ where: { id: snapshotId }, data: { contentHash, counts } });
  return { snapshotId, contentHash, trainPairs: train.pairs, heldoutPairs: heldout.pairs, sft: train.sft, counts };
}

type RecordRow = {
  annotationId: number;
  promptId: number;
  text: string;
  messages: unknown;
  split: 'TRAIN' | 'HELDOUT';
  completionIds: number[];
  answer: unknown;
  completions: { id: number; text: string }[];
  editedText: string | null;
};

async function loadRecords(db: WorkerDb, snapshotId: number): Promise<AnnotationRecord[]> {
  const rows = await db.$queryRaw<RecordRow[]>`
    SELECT a.id AS "annotationId", p.id AS "promptId", p.text, p.messages, p.split::text AS split, t."completionIds", a.answer,
      (SELECT json_agg(json_build_object('id', c.id, 'text', c.text)) FROM "Completion" c WHERE c.id = ANY(t."completionIds")) AS completions,
      (SELECT e.text FROM "Completion" e WHERE e."annotationId" = a.id AND e.source = 'HUMAN_EDIT' LIMIT 1) AS "editedText"
    FROM "SnapshotAnnotation" s
    JOIN "Annotation" a ON a.id = s."annotationId"
    JOIN "Task" t ON t.id = a."taskId"
    JOIN "Prompt" p ON p.id = t."promptId"
    WHERE s."snapshotId" = ${snapshotId}::int
    ORDER BY a.id`;
  return rows.map((row) => ({
    annotationId: row.annotationId,
    promptId: row.promptId,
    prompt: Array.isArray(row.messages) ? (row.messages as ChatTurn[]) : row.text,
    split: row.split,
    completionIds: row.completionIds,
    completions: new Map((row.completions ?? []).map((c) => [c.id, c.text])),
    answer: ZAnswer.parse(row.answer),
    editedText: row.editedText,
  }));
}
