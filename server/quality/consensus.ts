/**
 * Consensus labels per unit of a measure.
 * - Categorical measures (pairwise choice, thumbs): the majority vote, and Dawid-Skene (EM over
 *   per-annotator confusion matrices, started from the majority vote: lib/stats/dawid-skene.ts).
 * - Scores (Likert, attribute scores, rank positions): a reliability-weighted mean, each
 *   annotator weighted by the inverse of their estimated noise variance (lib/stats/weighted-score.ts),
 *   which keeps the scale's resolution where a median would round it away.
 */
import type { PrismaClient } from '../generated/prisma/client';
import { dawidSkene, type DawidSkeneResult } from '../../lib/stats/dawid-skene';
import { majorityVote, type MajorityVote } from '../../lib/stats/majority-vote';
import { reliabilityWeightedScores } from '../../lib/stats/weighted-score';
import { readMeasureAnswers, type MeasureAnswers } from './label-data';
import { primaryMeasure, type Measure } from './measures';
import { readProjectMeasures, readUserNames } from './project-form';

export type CategoricalConsensus = { answers: MeasureAnswers; majority: MajorityVote; dawidSkene: DawidSkeneResult; classCount: number };

/** Majority vote and Dawid-Skene of a categorical measure (`answers`: already read, else read here). */
export async function categoricalConsensus(options: { db: PrismaClient; projectId: number; measure: Measure; answers?: MeasureAnswers; asConsumed?: boolean }): Promise<CategoricalConsensus> {
  if (!options.measure.classLabels) throw new Error(`${options.measure.key} is not categorical`);
  const answers = options.answers ?? (await readMeasureAnswers(options));
  const classCount = options.measure.classLabels.length;
  const data = { itemCount: answers.itemTasks.length, annotatorCount: answers.userIds.length, classCount, items: answers.items, annotators: answers.annotators, labels: answers.values };
  return { answers, majority: majorityVote(data), dawidSkene: dawidSkene(data), classCount };
}

export type ConsensusPreview = {
  measureKey: string;
  label: string;
  method: 'dawid-skene' | 'weighted-mean';
  items: number;
  /** Categorical: items the majority vote labels (not tied), items where Dawid-Skene differs from it, DS iterations. */
  majorityLabelled: number | null;
  disagreements: number | null;
  iterations: number | null;
  classes: { label: string; prior: number }[] | null;
  annotators: { userId: string; name: string; answers: number; estimatedAccuracy: number | null; weight: number | null }[];
  /** The first items, as examples. */
  sample: { taskId: number; completionId: number | null; majority: string | null; consensus: string; confidence: number | null }[];
};

const SAMPLE_SIZE = 20;

export async function consensusPreview(options: { db: PrismaClient; projectId: number; measureKey?: string }): Promise<ConsensusPreview | null> {
  const { db, projectId } = options;
  const { measures } = await readProjectMeasures(db, projectId);
  const measure = measures.find((m) => m.key === options.measureKey) ?? primaryMeasure(measures);
  if (!measure) return null;
  if (measure.classLabels) {
    const { answers, majority, dawidSkene: ds } = await categoricalConsensus({ db, projectId, measure });
    const classes = measure.classLabels;
    const names = await readUserNames(db, answers.userIds);
    const counts = new Array<number>(answers.userIds.length).fill(0);
    for (const j of answers.annotators) counts[j] += 1;
    let labelled = 0;
    let disagreements = 0;
    for (let i = 0; i < answers.itemTasks.length; i += 1) {
      if (majority.labels[i] >= 0) labelled += 1;
      if (majority.labels[i] !== ds.labels[i]) disagreements += 1;
    }
    return {
      measureKey: measure.key,
      label: measure.label,
      method: 'dawid-skene',
      items: answers.itemTasks.length,
      majorityLabelled: labelled,
      disagreements,
      iterations: ds.iterations,
      classes: classes.map((label, k) => ({ label, prior: ds.priors[k] })),
      annotators: answers.userIds.map((userId, j) => ({ userId, name: names.get(userId) ?? userId, answers: counts[j], estimatedAccuracy: ds.accuracy[j], weight: null })).filter((a) => a.answers > 0),
      sample: Array.from({ length: Math.min(SAMPLE_SIZE, answers.itemTasks.length) }, (_, i) => ({
        taskId: answers.itemTasks[i],
        completionId: measure.questionType === 'pairwise' ? null : answers.itemSubs[i],
        majority: majority.labels[i] >= 0 ? classes[majority.labels[i]] : null,
        consensus: classes[ds.labels[i]],
        confidence: ds.confidence[i],
      })),
    };
  }
  const answers = await readMeasureAnswers({ db, projectId, measure });
  const result = reliabilityWeightedScores({
    itemCount: answers.itemTasks.length,
    annotatorCount: answers.userIds.length,
    items: answers.items,
    annotators: answers.annotators,
    scores: Float64Array.from(answers.values),
  });
  const names = await readUserNames(db, answers.userIds);
  const counts = new Array<number>(answers.userIds.length).fill(0);
  for (const j of answers.annotators) counts[j] += 1;
  return {
    measureKey: measure.key,
    label: measure.label,
    method: 'weighted-mean',
    items: answers.itemTasks.length,
    majorityLabelled: null,
    disagreements: null,
    iterations: null,
    classes: null,
    annotators: answers.userIds
      .map((userId, j) => ({ userId, name: names.get(userId) ?? userId, answers: counts[j], estimatedAccuracy: null, weight: result.weights[j] }))
      .filter((a) => a.answers > 0),
    sample: Array.from({ length: Math.min(SAMPLE_SIZE, answers.itemTasks.length) }, (_, i) => ({
      taskId: answers.itemTasks[i],
      completionId: answers.itemSubs[i],
      majority: null,
      consensus: result.scores[i].toFixed(2),
      confidence: null,
    })),
  };
}
