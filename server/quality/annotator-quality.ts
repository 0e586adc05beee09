/**
 * The annotator quality table: per annotator of a project,
 * - agreement with others: on the primary measure (the form's first categorical question, else its
 *   first measured one), the share of their comparisons with co-annotators of the same unit that
 *   gave the same value, and their mean Cohen's kappa over those co-annotators;
 * - estimated accuracy: Dawid-Skene's Σ_k p_k π[k][k] on the primary measure, when categorical;
 * - median time per submitted task (Annotation.timeSpentMs, measured by the rating page);
 * - speed outliers: answers faster than a minimum reading time of the task's text (prompt and
 *   the completions shown) at READING_CHARS_PER_SECOND, a fast skim (about 600 words a minute);
 *   an answer under it cannot have read what it rates;
 * - position bias (server/quality/position-bias.ts);
 * - gold accuracy (server/quality/gold-accuracy.ts) and review acceptance (server/quality/review-acceptance.ts).
 */
import type { PrismaClient } from '../generated/prisma/client';
import { cohenKappa } from '../../lib/stats/cohen-kappa';
import { kappaWeightsOf, MIN_PAIR_UNITS } from './agreement';
import { categoricalConsensus } from './consensus';
import { pairCellsOfAnswers, readMeasureAnswers } from './label-data';
import { primaryMeasure } from './measures';
import { goldAccuracyByAnnotator } from './gold-accuracy';
import { positionBias, positionBiasRow, type PositionBiasRow } from './position-bias';
import { reviewAcceptanceByAnnotator } from './review-acceptance';
import { readProjectMeasures, readUserNames } from './project-form';

/** 50 characters a second: about 600 words a minute at 5 characters and a space a word. */
export const READING_CHARS_PER_SECOND = 50;

export type AnnotatorQuality = {
  userId: string;
  name: string;
  submitted: number;
  /** Share of agreeing comparisons with co-annotators (null: never shared a unit). */
  agreement: number | null;
  comparisons: number;
  meanKappa: number | null;
  estimatedAccuracy: number | null;
  medianTimeMs: number | null;
  fastAnswers: number;
  positionBias: PositionBiasRow | null;
  goldAnswered: number;
  /** Share of gold answers within tolerance (null: none answered). */
  goldAccuracy: number | null;
  reviewed: number;
  /** Share of reviewed answers accepted (null: none reviewed). */
  reviewAcceptance: number | null;
};

export type AnnotatorQualityTable = { measureKey: string | null; readingCharsPerSecond: number; annotators: AnnotatorQuality[] };

/** The median of integers (sorted in place): the mean of the middle two for an even count, as percentile_cont(0.5). */
function medianOf(values: Int32Array): number | null {
  if (values.length === 0) return null;
  values.sort();
  const middle = (values.length - 1) / 2;
  const low = values[Math.floor(middle)];
  const high = values[Math.ceil(middle)];
  return low + (high - low) * (middle - Math.floor(middle));
}

/** Task-id slices the times are read in, each by its own connection at the same time. */
const TIME_SLICES = 4;

/**
 * Per annotator: submitted answers, median time, and answers under the minimum reading time.
 * Each task's reading length is worked out once (a materialized CTE: inlined, its per-task
 * completion lookup ran once per answer). That lookup, one index probe per task, is most of the
 * cost and a CTE runs in one PostgreSQL process, so the tasks are split into TIME_SLICES ranges of
 * ids read concurrently (both cores when the machine is free). PostgreSQL groups each slice's
 * answers by annotator without sorting them (a hash aggregate, one text of times per annotator);
 * the medians are taken here from typed arrays, where sorting a million integers takes tens of
 * milliseconds (the ordered percentile_cont sorted the million rows by annotator id, then each
 * annotator's times again).
 */
export async function readAnnotatorTimes(db: PrismaClient, projectId: number): Promise<{ userId: string; submitted: number; medianTimeMs: number | null; fastAnswers: number }[]> {
  const [bounds] = await db.$queryRaw<{ low: number | null; high: number | null }[]>`
    SELECT min(t.id) AS low, max(t.id) AS high FROM "Task" t WHERE t."projectId" = ${projectId}::int`;
  const low = bounds?.low;
  const high = bounds?.high;
  if (low == null || high == null) return [];
  const span = Math.ceil((high - low + 1) / TIME_SLICES);
  const slices = await Promise.all(
    Array.from({ length: TIME_SLICES }, (_, i) => {
      const from = low + i * span;
      return db.$queryRaw<{ userId: string; submitted: number; fastAnswers: number; times: string }[]>`
        WITH lengths AS MATERIALIZED (
          SELECT t.id, length(p.text) + COALESCE((SELECT sum(length(c.text)) FROM "Completion" c WHERE c.id = ANY(t."completionIds")), 0) AS chars
          FROM "Task" t JOIN "Prompt" p ON p.id = t."promptId"
          WHERE t."projectId" = ${projectId}::int AND t.id >= ${from}::int AND t.id < ${from + span}::int)
        SELECT a."userId", count(*)::int AS submitted,
          (count(*) FILTER (WHERE a."timeSpentMs" < l.chars * 1000.0 / ${READING_CHARS_PER_SECOND}::float8))::int AS "fastAnswers",
          string_agg(a."timeSpentMs"::text, ',') AS times
        FROM "Annotation" a JOIN lengths l ON l.id = a."taskId"
        WHERE a."projectId" = ${projectId}::int AND a.status = 'SUBMITTED' AND a."taskId" >= ${from}::int AND a."taskId" < ${from + span}::int
        GROUP BY a."userId"`;
    }),
  );
  const byUser = new Map<string, { submitted: number; fastAnswers: number; times: string[] }>();
  for (const row of slices.flat()) {
    const entry = byUser.get(row.userId) ?? { submitted: 0, fastAnswers: 0, times: [] };
    entry.submitted += row.submitted;
    entry.fastAnswers += row.fastAnswers;
    entry.times.push(row.times);
    byUser.set(row.userId, entry);
  }
  return [...byUser].map(([userId, entry]) => {
    const times = new Int32Array(entry.submitted);
    let n = 0;
    for (const text of entry.times) {
      let current = 0;
      let isNegative = false;
      for (let i = 0; i <= text.length; i += 1) {
        const c = i < text.length ? text.charCodeAt(i) : 44;
        if (c === 44) {
          times[n++] = isNegative ? -current : current;
          current = 0;
          isNegative = false;
        } else if (c === 45) isNegative = true;
        else current = current * 10 + (c - 48);
      }
    }
    return { userId, submitted: entry.submitted, medianTimeMs: medianOf(times), fastAnswers: entry.fastAnswers };
  });
}

export async function annotatorQuality(options: { db: PrismaClient; projectId: number }): Promise<AnnotatorQualityTable> {
  const { db, projectId } = options;
  const { form, measures } = await readProjectMeasures(db, projectId);
  const measure = primaryMeasure(measures);
  // The other columns' queries run on their own connections while the primary measure's answers
  // are read (once, for the pair tables and for Dawid-Skene) and Dawid-Skene runs here, so
  // PostgreSQL's work overlaps this process's.
  // Position bias on the primary measure's own pairwise question comes from the answers read below
  // (A = 0 is the first-shown pick, B = 1 the other) rather than a second pass over the JSON.
  const biasQuestion = form.questions.find((q) => q.type === 'pairwise') ?? form.questions.find((q) => q.type === 'ranking');
  const isBiasFromAnswers = measure?.questionType === 'pairwise' && biasQuestion?.id === measure.questionId;
  const others = Promise.all([
    readAnnotatorTimes(db, projectId),
    isBiasFromAnswers ? Promise.resolve(null) : positionBias({ db, projectId }),
    goldAccuracyByAnnotator(projectId),
    reviewAcceptanceByAnnotator(projectId),
  ]);
  // Settled at once so a failure here never leaves `others` rejected and unhandled; awaited below.
  others.catch(() => undefined);
  const answers = measure ? await readMeasureAnswers({ db, projectId, measure }) : null;
  const pairCells = answers ? pairCellsOfAnswers(answers) : new Map<string, { a: string; b: string; cells: [number, number, number][] }>();
  const consensus = measure?.classLabels && answers ? await categoricalConsensus({ db, projectId, measure, answers }) : null;
  const [times, bias, gold, reviews] = await others;
  const goldByUser = new Map(gold.map((g) => [g.userId, g]));
  const reviewsByUser = new Map(reviews.map((r) => [r.userId, r]));
  const agree = new Map<string, { same: number; total: number; kappaSum: number; kappaUnits: number }>();
  const entry = (userId: string) => {
    let e = agree.get(userId);
    if (!e) {
      e = { same: 0, total: 0, kappaSum: 0, kappaUnits: 0 };
      agree.set(userId, e);
    }
    return e;
  };
  const weights = measure ? kappaWeightsOf(measure) : 'none';
  for (const pair of pairCells.values()) {
    const total = pair.cells.reduce((s, c) => s + c[2], 0);
    const same = pair.cells.reduce((s, c) => s + (c[0] === c[1] ? c[2] : 0), 0);
    const kappa = total >= MIN_PAIR_UNITS ? cohenKappa(pair.cells, weights) : Number.NaN;
    for (const userId of [pair.a, pair.b]) {
      const e = entry(userId);
      e.same += same;
      e.total += total;
      if (Number.isFinite(kappa)) {
        e.kappaSum += kappa * total;
        e.kappaUnits += total;
      }
    }
  }
  const accuracy = new Map<string, number>();
  if (consensus) consensus.answers.userIds.forEach((userId, j) => accuracy.set(userId, consensus.dawidSkene.accuracy[j]));
  const biasByUser = new Map<string, PositionBiasRow>((bias?.annotators ?? []).map((row) => [row.userId, row]));
  if (isBiasFromAnswers && answers) {
    const firstPicks = new Int32Array(answers.userIds.length);
    const picks = new Int32Array(answers.userIds.length);
    const answered = new Uint8Array(answers.userIds.length);
    answers.annotators.forEach((j, a) => {
      answered[j] = 1;
      if (answers.values[a] === 0) firstPicks[j] += 1;
      if (answers.values[a] === 0 || answers.values[a] === 1) picks[j] += 1;
    });
    answers.userIds.forEach((userId, j) => {
      if (answered[j]) biasByUser.set(userId, positionBiasRow(firstPicks[j], picks[j], 0.5));
    });
  }
  const names = await readUserNames(
    db,
    times.map((t) => t.userId),
  );
  const annotators = times.map((t): AnnotatorQuality => {
    const e = agree.get(t.userId);
    const row = biasByUser.get(t.userId);
    return {
      userId: t.userId,
      name: names.get(t.userId) ?? t.userId,
      submitted: t.submitted,
      agreement: e && e.total > 0 ? e.same / e.total : null,
      comparisons: e?.total ?? 0,
      meanKappa: e && e.kappaUnits > 0 ? e.kappaSum / e.kappaUnits : null,
      estimatedAccuracy: accuracy.get(t.userId) ?? null,
      medianTimeMs: t.medianTimeMs,
      fastAnswers: t.fastAnswers,
      positionBias: row ? { firstPicks: row.firstPicks, picks: row.picks, share: row.share, chance: row.chance, pValue: row.pValue, method: row.method, isFlagged: row.isFlagged } : null,
      goldAnswered: goldByUser.get(t.userId)?.goldAnswered ?? 0,
      goldAccuracy: goldByUser.get(t.userId)?.accuracy ?? null,
      reviewed: reviewsByUser.get(t.userId)?.reviewed ?? 0,
      reviewAcceptance: reviewsByUser.get(t.userId)?.acceptance ?? null,
    };
  });
  annotators.sort((x, y) => x.name.localeCompare(y.name));
  return { measureKey: measure?.key ?? null, readingCharsPerSecond: READING_CHARS_PER_SECOND, annotators };
}
