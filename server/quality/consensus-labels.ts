/**
 * Consensus labels for dataset snapshots: one answer per task, the one that carries the task's
 * consensus on the form's first pairwise question (majority vote, ties dropped; or Dawid-Skene).
 * Rejected answers take no part and corrections count as corrected (as the snapshot's records).
 * The answer kept is the task's earliest submitted one with that choice, so its pairs are exactly
 * the consensus pair (A or B over the other; a consensus of tie or "both bad" gives no pair, as
 * for any answer). A task whose kept answer is not eligible for the snapshot (not settled yet,
 * filtered out) drops out of it.
 */
import { Prisma, type PrismaClient } from '../generated/prisma/client';
import { AppError } from '../errors';
import { effectiveAnswerSql, isRejectedSql } from '../services/review/reviews';
import { categoricalConsensus } from './consensus';
import { PAIRWISE_CLASSES } from './measures';
import { readProjectMeasures } from './project-form';

export type LabelSource = 'all' | 'majority' | 'dawid-skene';

/** Ids of the answers that carry each task's consensus label. */
export async function consensusAnnotationIds(options: { db: PrismaClient; projectId: number; method: 'majority' | 'dawid-skene' }): Promise<number[]> {
  const { db, projectId } = options;
  const { measures } = await readProjectMeasures(db, projectId);
  const measure = measures.find((m) => m.questionType === 'pairwise');
  if (!measure) throw new AppError('BAD_REQUEST', 'Consensus labels need a pairwise question in the form');
  // The answers the snapshot consumes: rejected ones left out, each as its latest correction.
  const consensus = await categoricalConsensus({ db, projectId, measure, asConsumed: true });
  const labels = options.method === 'majority' ? consensus.majority.labels : consensus.dawidSkene.labels;
  const q = measure.questionId;
  const firstIds = await db.$queryRaw<{ taskId: number; v: number; id: number }[]>(Prisma.sql`
    SELECT e."taskId", CASE e.answer -> ${q}::text ->> 'choice' WHEN 'A' THEN 0 WHEN 'B' THEN 1 WHEN 'tie' THEN 2 ELSE 3 END AS v, min(e.id) AS id
    FROM (SELECT a.id, a."taskId", ${effectiveAnswerSql(Prisma.sql`a`)} AS answer FROM "Annotation" a
          WHERE a."projectId" = ${projectId}::int AND a.status = 'SUBMITTED' AND NOT ${isRejectedSql(Prisma.sql`a`)}) e
    WHERE e.answer ? ${q}::text
    GROUP BY 1, 2`);
  const classes = PAIRWISE_CLASSES.length;
  const byTaskAndChoice = new Map(firstIds.map((r) => [r.taskId * classes + r.v, r.id]));
  const ids: number[] = [];
  consensus.answers.itemTasks.forEach((taskId, i) => {
    if (labels[i] < 0) return;
    const id = byTaskAndChoice.get(taskId * classes + labels[i]);
    if (id !== undefined) ids.push(id);
  });
  return ids;
}
