/**
 * Gold accuracy per annotator in a project: how many gold (check) answers they gave, how many
 * matched the expected answer within its tolerance, and whether they are paused now. Scores are
 * written by the database when the answer is submitted (trigger feedloop_score_gold_answer), so
 * this is one GROUP BY over GoldResult, which holds gold answers only (a small share of all
 * annotations), on its (projectId, userId) index.
 */
import { db } from '../db';

export type GoldAccuracy = { userId: string; goldAnswered: number; goldCorrect: number; accuracy: number | null; paused: boolean };

export async function goldAccuracyByAnnotator(projectId: number): Promise<GoldAccuracy[]> {
  const rows = await db.$queryRaw<{ userId: string; goldAnswered: number; goldCorrect: number; paused: boolean }[]>`
    WITH scored AS (
      SELECT r."userId", count(*)::int AS "goldAnswered", (count(*) FILTER (WHERE r."isCorrect"))::int AS "goldCorrect"
      FROM "GoldResult" r WHERE r."projectId" = ${projectId}::int
      GROUP BY r."userId"
    ),
    paused AS (
      SELECT p."userId" FROM "AnnotatorPause" p WHERE p."projectId" = ${projectId}::int AND p."clearedAt" IS NULL
    )
    SELECT coalesce(s."userId", p."userId") AS "userId", coalesce(s."goldAnswered", 0) AS "goldAnswered", coalesce(s."goldCorrect", 0) AS "goldCorrect",
      p."userId" IS NOT NULL AS paused
    FROM scored s FULL JOIN paused p ON p."userId" = s."userId"
    ORDER BY 1`;
  return rows.map((r) => ({ ...r, accuracy: r.goldAnswered > 0 ? r.goldCorrect / r.goldAnswered : null }));
}
