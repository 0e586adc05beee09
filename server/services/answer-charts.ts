/**
 * The project overview's charts, counted in SQL over the submitted annotations of one project:
 * - how often each option of a categorical question was picked (pairwise A / B / tie / both bad,
 *   thumbs up / down, each Likert score);
 * - picks by display position (left vs right): a pairwise A is the response shown first, B the
 *   second; a ranking's top pick is found in the task's stored display order. With no position
 *   bias, and random display order, the shares tend to be equal;
 * - annotations over time, per hour while the project is younger than two days, else per day.
 *
 * Each query reads the project's rows (through the ("projectId", "createdAt") index for a small
 * project; a project that is most of the table is scanned) and groups in the database: the page
 * gets a few dozen numbers whatever the number of annotations. bench/answer-charts.ts times them
 * at a million annotations.
 */
import { Prisma } from '../generated/prisma/client';
import { ZRatingForm, type Question } from '../../lib/forms/schema';
import { db } from '../db';
import { AppError } from '../errors';

const HOURLY_BELOW_MS = 2 * 24 * 3600 * 1000;
/** A timeline longer than this keeps its last buckets (a day chart of over three years). */
const MAX_BUCKETS = 1200;

export type ChoiceOption = { key: string; label: string; count: number };
export type QuestionChart = {
  questionId: string;
  label: string;
  type: 'pairwise' | 'thumbs' | 'likert' | 'ranking';
  /** Every option of the question, in the form's order, zero counts included. */
  options: ChoiceOption[];
  /** Picks by display position (1 = shown first / left), or null for a question that picks no response. */
  positions: { position: number; count: number }[] | null;
};
export type TimelinePoint = { start: Date; submitted: number; skipped: number; flagged: number };
export type AnswerCharts = { submittedCount: number; questions: QuestionChart[]; timeline: { unit: 'hour' | 'day'; points: TimelinePoint[] } };

type CountRow = { questionId: string; option: string | null; count: number };

const PAIRWISE_OPTIONS: [string, string][] = [
  ['A', 'A better'],
  ['B', 'B better'],
  ['tie', 'Tie'],
  ['both_bad', 'Both bad'],
];

export async function getAnswerCharts(options: { projectId: number; now?: Date }): Promise<AnswerCharts> {
  const project = await db.project.findUnique({ where: { id: options.projectId }, select: { form: true, createdAt: true } });
  if (!project) throw new AppError('NOT_FOUND', `No project ${options.projectId}`);
  const now = options.now ?? new Date();
  const unit = now.getTime() - project.createdAt.getTime() < HOURLY_BELOW_MS ? 'hour' : 'day';

  const form = ZRatingForm.safeParse(project.form);
  const questions = form.success ? form.data.questions : [];
  const [counts, buckets] = await Promise.all([countChoices(options.projectId, questions), countByTime(options.projectId, unit)]);
  const submittedCount = buckets.reduce((sum, bucket) => sum + bucket.submitted, 0);
  return {
    submittedCount,
    questions: questions.flatMap((q) =>
      chartQuestion(
        q,
        counts.filter((row) => row.questionId === q.id),
      ),
    ),
    timeline: { unit, points: fillBuckets(buckets, unit) },
  };
}

/**
 * One scan of the project's submitted annotations per kind of question present, run in parallel.
 * Each groups on a plain path expression (answer -> question -> field); a row whose answer lacks
 * the question counts under a NULL option, dropped here. (Filtering on the answer's type instead
 * makes the planner expect a handful of rows and sort a million on disk.)
 */
function countChoices(projectId: number, questions: Question[]): Promise<CountRow[]> {
  const ids = (type: Question['type']) => questions.filter((q) => q.type === type).map((q) => q.id);
  const submitted = Prisma.sql`a."projectId" = ${projectId}::int AND a.status = 'SUBMITTED'`;
  const queries: Promise<CountRow[]>[] = [];
  if (ids('pairwise').length > 0) {
    queries.push(db.$queryRaw<CountRow[]>`
      SELECT q.id AS "questionId", a.answer -> q.id ->> 'choice' AS option, count(*)::int AS count
      FROM "Annotation" a CROSS JOIN unnest(${ids('pairwise')}::text[]) AS q(id)
      WHERE ${submitted}
      GROUP BY 1, 2`);
  }
  const perCompletion = questions.filter((q) => q.type === 'thumbs' || q.type === 'likert');
  if (perCompletion.length > 0) {
    // Thumbs votes and Likert scores are objects keyed by completion id: one count per response.
    queries.push(db.$queryRaw<CountRow[]>`
      SELECT q.id AS "questionId", v.value #>> '{}' AS option, count(*)::int AS count
      FROM "Annotation" a
        CROSS JOIN unnest(${perCompletion.map((q) => q.id)}::text[], ${perCompletion.map((q) => (q.type === 'thumbs' ? 'votes' : 'scores'))}::text[]) AS q(id, field)
        CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(a.answer -> q.id -> q.field) = 'object' THEN a.answer -> q.id -> q.field ELSE '{}'::jsonb END) v
      WHERE ${submitted}
      GROUP BY 1, 2`);
  }
  if (ids('ranking').length > 0) {
    // The top pick's place in the task's stored display order.
    queries.push(db.$queryRaw<CountRow[]>`
      SELECT q.id AS "questionId",
        'position:' || array_position(t."completionIds", CASE WHEN jsonb_typeof(a.answer -> q.id -> 'order' -> 0) = 'number' THEN (a.answer -> q.id -> 'order' ->> 0)::numeric::int END) AS option,
        count(*)::int AS count
      FROM "Annotation" a JOIN "Task" t ON t.id = a."taskId" CROSS JOIN unnest(${ids('ranking')}::text[]) AS q(id)
      WHERE ${submitted}
      GROUP BY 1, 2`);
  }
  return Promise.all(queries).then((results) => results.flat().filter((row) => row.option !== null));
}

function countByTime(projectId: number, unit: 'hour' | 'day'): Promise<TimelinePoint[]> {
  return db.$queryRaw<TimelinePoint[]>`
    SELECT date_trunc(${unit}, "createdAt") AS start,
      (count(*) FILTER (WHERE status = 'SUBMITTED'))::int AS submitted,
      (count(*) FILTER (WHERE status = 'SKIPPED'))::int AS skipped,
      (count(*) FILTER (WHERE status = 'FLAGGED'))::int AS flagged
    FROM "Annotation"
    WHERE "projectId" = ${projectId}::int
    GROUP BY 1 ORDER BY 1`;
}

function chartQuestion(question: Question, rows: CountRow[]): QuestionChart[] {
  const countOf = (option: string) => rows.find((row) => row.option === option)?.count ?? 0;
  const base = { questionId: question.id, label: question.label };
  switch (question.type) {
    case 'pairwise': {
      const options = PAIRWISE_OPTIONS.filter(([key]) => (key !== 'tie' || question.allowTie || countOf(key) > 0) && (key !== 'both_bad' || question.allowBothBad || countOf(key) > 0)).map(
        ([key, label]) => ({ key, label, count: countOf(key) }),
      );
      return [
        {
          ...base,
          type: 'pairwise',
          options,
          positions: [
            { position: 1, count: countOf('A') },
            { position: 2, count: countOf('B') },
          ],
        },
      ];
    }
    case 'thumbs':
      return [
        {
          ...base,
          type: 'thumbs',
          options: [
            { key: 'up', label: 'Thumbs up', count: countOf('up') },
            { key: 'down', label: 'Thumbs down', count: countOf('down') },
          ],
          positions: null,
        },
      ];
    case 'likert': {
      const scores = Array.from({ length: question.max - question.min + 1 }, (_, i) => question.min + i);
      const options = scores.map((score) => {
        const label = question.labels[String(score)];
        return { key: String(score), label: label ? `${score} · ${label}` : String(score), count: countOf(String(score)) };
      });
      return [{ ...base, type: 'likert', options, positions: null }];
    }
    case 'ranking': {
      const positions = rows
        .filter((row) => row.option?.startsWith('position:'))
        .map((row) => ({ position: Number(row.option?.slice('position:'.length)), count: row.count }))
        .filter((row) => Number.isInteger(row.position) && row.position > 0)
        .sort((a, b) => a.position - b.position);
      // Every position up to the largest seen, so a position never picked shows as 0.
      const last = positions.at(-1)?.position ?? 0;
      const filled = Array.from({ length: Math.max(2, last) }, (_, i) => ({ position: i + 1, count: positions.find((p) => p.position === i + 1)?.count ?? 0 }));
      return [{ ...base, type: 'ranking', options: [], positions: filled }];
    }
    default:
      return [];
  }
}

/** The buckets from the first to the last, with empty hours or days as zeros (a gap is news too). */
export function fillBuckets(rows: TimelinePoint[], unit: 'hour' | 'day'): TimelinePoint[] {
  if (rows.length === 0) return [];
  const step = unit === 'hour' ? 3600_000 : 24 * 3600_000;
  const byStart = new Map(rows.map((row) => [row.start.getTime(), row]));
  const first = rows[0].start.getTime();
  const last = rows[rows.length - 1].start.getTime();
  const from = Math.max(first, last - (MAX_BUCKETS - 1) * step);
  const points: TimelinePoint[] = [];
  for (let t = from; t <= last; t += step) points.push(byStart.get(t) ?? { start: new Date(t), submitted: 0, skipped: 0, flagged: 0 });
  return points;
}
