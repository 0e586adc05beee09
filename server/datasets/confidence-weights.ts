/**
 * Confidence weights of consensus labels, frozen per answer by a snapshot taken with "weight by
 * confidence" (snapshots.ts writes them to SnapshotAnnotation.weight; exports write `weight`).
 *
 * A consensus snapshot keeps one answer per task, the one carrying the task's consensus on the
 * form's first pairwise question (server/quality/consensus-labels.ts). Its weight is that label's
 * confidence, from the same consensus model that chose it:
 * - majority vote: the share of the task's votes that went to the majority label (2 of 3: 0.667);
 * - Dawid-Skene: the posterior probability of the chosen label, given every annotator's estimated
 *   confusion matrix.
 * (With labelSource 'all', the weight of each answer is the share of its task's answers that agree
 * with it: snapshots.ts, answerAgreementWeightSql.)
 */
import type { PrismaClient } from '../generated/prisma/client';
import { AppError } from '../errors';
import { categoricalConsensus } from '../quality/consensus';
import { readProjectMeasures } from '../quality/project-form';

export type ConsensusWeights = {
  /** The pairwise question the consensus was taken on. */
  questionId: string;
  /** Parallel arrays: a labelled task and its label's confidence (0-1). */
  taskIds: number[];
  weights: number[];
};

/**
 * Each labelled task's confidence under `method`. This runs the consensus model a second time
 * (consensusAnnotationIds ran it to choose the answers): it is paid only when weights are asked for.
 */
export async function consensusWeights(options: { db: PrismaClient; projectId: number; method: 'majority' | 'dawid-skene' }): Promise<ConsensusWeights> {
  const { db, projectId } = options;
  const { measures } = await readProjectMeasures(db, projectId);
  const measure = measures.find((m) => m.questionType === 'pairwise');
  if (!measure) throw new AppError('BAD_REQUEST', 'Consensus labels need a pairwise question in the form');
  // The answers a snapshot consumes: rejected ones left out, corrections in effect.
  const consensus = await categoricalConsensus({ db, projectId, measure, asConsumed: true });
  const model = options.method === 'majority' ? consensus.majority : consensus.dawidSkene;
  const taskIds: number[] = [];
  const weights: number[] = [];
  consensus.answers.itemTasks.forEach((taskId, i) => {
    if (model.labels[i] < 0) return;
    taskIds.push(taskId);
    weights.push(Math.min(1, Math.max(0, model.confidence[i])));
  });
  return { questionId: measure.questionId, taskIds, weights };
}
