/**
 * An annotator's progress in a project: answers submitted today (since their local midnight) and
 * in total, tasks they handled in any way (submitted, skipped, flagged), and how many tasks remain
 * for them. `handledTotal + remaining` is their whole queue: every task they handled or can still get.
 *
 * `remaining` is exact with respect to answers: OPEN tasks of the project minus those this
 * annotator already answered, skipped or flagged. It does not subtract tasks that are full for
 * the moment because others hold leases on them (leases are short-lived), so it can run slightly
 * above what queue.next would hand out right now. Cost: an index-only count over the partial
 * index of open tasks, plus this annotator's own annotations.
 */
import { db } from '../db';

export type QueueProgress = { doneToday: number; doneTotal: number; handledTotal: number; remaining: number };

/**
 * @param tzOffsetMinutes the client's `Date#getTimezoneOffset()` (UTC minus local time, in
 *   minutes; -120 in UTC+2), so "today" starts at the annotator's own midnight.
 */
export async function findQueueProgress(options: { userId: string; projectId: number; tzOffsetMinutes?: number }): Promise<QueueProgress> {
  const { userId, projectId } = options;
  const offset = Math.trunc(options.tzOffsetMinutes ?? 0);
  const rows = await db.$queryRaw<QueueProgress[]>`
    WITH bounds AS (
      -- local midnight, expressed back in UTC
      SELECT date_trunc('day', (now() AT TIME ZONE 'UTC') - make_interval(mins => ${offset}::int)) + make_interval(mins => ${offset}::int) AS midnight
    )
    SELECT
      (SELECT count(*)::int FROM "Annotation" a
        WHERE a."userId" = ${userId} AND a."projectId" = ${projectId}::int AND a.status = 'SUBMITTED'
          AND a."createdAt" >= (SELECT midnight FROM bounds)) AS "doneToday",
      (SELECT count(*)::int FROM "Annotation" a
        WHERE a."userId" = ${userId} AND a."projectId" = ${projectId}::int AND a.status = 'SUBMITTED') AS "doneTotal",
      (SELECT count(*)::int FROM "Annotation" a
        WHERE a."userId" = ${userId} AND a."projectId" = ${projectId}::int) AS "handledTotal",
      (SELECT count(*)::int FROM "Task" t WHERE t."projectId" = ${projectId}::int AND t.status = 'OPEN')
      - (SELECT count(*)::int FROM "Annotation" a JOIN "Task" t ON t.id = a."taskId"
          WHERE a."userId" = ${userId} AND a."projectId" = ${projectId}::int AND t.status = 'OPEN') AS remaining`;
  return rows[0];
}
