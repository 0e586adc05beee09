/**
 * Position bias: how often an annotator picks the completion shown first (left), against what
 * chance gives, with a two-sided binomial test (lib/stats/binomial-test.ts: exact up to 1,000
 * picks, normal approximation above). Display order is stored per task (Task.completionIds), and
 * it is shuffled, so with no bias the first-shown completion wins with probability 1/2 (pairwise)
 * or 1/k (ranking of k).
 *
 * - pairwise question (the form's first): a pick is an A or B answer (ties and "both bad" name no
 *   position); success = A.
 * - else the first ranking question: a pick is a ranking; success = the completion shown first
 *   ranked best; chance = 1 / completions per task.
 * Flagged when p < 0.01.
 */
import { Prisma, type PrismaClient } from '../generated/prisma/client';
import { binomialTest } from '../../lib/stats/binomial-test';
import { readProjectMeasures, readUserNames } from './project-form';

export const POSITION_BIAS_ALPHA = 0.01;

export type PositionBiasRow = { firstPicks: number; picks: number; share: number | null; chance: number; pValue: number; method: 'exact' | 'normal'; isFlagged: boolean };
export type PositionBias = {
  questionId: string;
  questionType: 'pairwise' | 'ranking';
  project: PositionBiasRow;
  annotators: (PositionBiasRow & { userId: string; name: string })[];
} | null;

/** A row of the table: the counts with their binomial test against chance. */
export function positionBiasRow(firstPicks: number, picks: number, chance: number): PositionBiasRow {
  const test = binomialTest(firstPicks, picks, chance);
  return { firstPicks, picks, share: picks > 0 ? firstPicks / picks : null, chance, pValue: test.pValue, method: test.method, isFlagged: picks > 0 && test.pValue < POSITION_BIAS_ALPHA };
}

export async function positionBias(options: { db: PrismaClient; projectId: number }): Promise<PositionBias> {
  const { db, projectId } = options;
  const { form, completionsPerTask } = await readProjectMeasures(db, projectId);
  const question = form.questions.find((q) => q.type === 'pairwise') ?? form.questions.find((q) => q.type === 'ranking');
  if (!question || (question.type !== 'pairwise' && question.type !== 'ranking')) return null;
  const q = question.id;
  const counts =
    question.type === 'pairwise'
      ? Prisma.sql`(count(*) FILTER (WHERE a.answer -> ${q}::text ->> 'choice' = 'A'))::int AS "firstPicks",
                   (count(*) FILTER (WHERE a.answer -> ${q}::text ->> 'choice' IN ('A', 'B')))::int AS picks
                   FROM "Annotation" a`
      : Prisma.sql`(count(*) FILTER (WHERE (a.answer -> ${q}::text -> 'order' ->> 0)::int = t."completionIds"[1]))::int AS "firstPicks",
                   count(*)::int AS picks
                   FROM "Annotation" a JOIN "Task" t ON t.id = a."taskId"`;
  const rows = await db.$queryRaw<{ userId: string; firstPicks: number; picks: number }[]>`
    SELECT a."userId", ${counts}
    WHERE a."projectId" = ${projectId}::int AND a.status = 'SUBMITTED' AND a.answer ? ${q}::text
    GROUP BY a."userId"`;
  const chance = question.type === 'pairwise' ? 0.5 : 1 / Math.max(2, completionsPerTask);
  const names = await readUserNames(
    db,
    rows.map((r) => r.userId),
  );
  const totalFirst = rows.reduce((s, r) => s + r.firstPicks, 0);
  const totalPicks = rows.reduce((s, r) => s + r.picks, 0);
  return {
    questionId: q,
    questionType: question.type,
    project: positionBiasRow(totalFirst, totalPicks, chance),
    annotators: rows.map((r) => ({ userId: r.userId, name: names.get(r.userId) ?? r.userId, ...positionBiasRow(r.firstPicks, r.picks, chance) })).sort((x, y) => x.name.localeCompare(y.name)),
  };
}
