/**
 * Oversight figures for one project, aggregated in SQL.
 * Times are the annotator-measured time per submitted annotation (`timeSpentMs`): skips and
 * flags are counted but left out of the medians, which would otherwise be pulled towards zero.
 */
import { db } from '../db';
import { AppError } from '../errors';

export type AnnotatorStats = { userId: string; name: string; email: string; submitted: number; skipped: number; flagged: number; medianTimeMs: number | null };

export async function getProjectStats(options: { projectId: number }) {
  const project = await db.project.findUnique({ where: { id: options.projectId }, select: { id: true } });
  if (!project) throw new AppError('NOT_FOUND', `No project ${options.projectId}`);

  const [taskGroups, byAnnotator, [overall]] = await Promise.all([
    db.task.groupBy({ by: ['status'], where: { projectId: options.projectId }, _count: { _all: true } }),
    db.$queryRaw<AnnotatorStats[]>`
      SELECT a."userId", u.name, u.email,
        (count(*) FILTER (WHERE a.status = 'SUBMITTED'))::int AS submitted,
        (count(*) FILTER (WHERE a.status = 'SKIPPED'))::int AS skipped,
        (count(*) FILTER (WHERE a.status = 'FLAGGED'))::int AS flagged,
        (percentile_cont(0.5) WITHIN GROUP (ORDER BY a."timeSpentMs") FILTER (WHERE a.status = 'SUBMITTED'))::float8 AS "medianTimeMs"
      FROM "Annotation" a JOIN "user" u ON u.id = a."userId"
      WHERE a."projectId" = ${options.projectId}
      GROUP BY a."userId", u.name, u.email
      ORDER BY submitted DESC, u.name ASC`,
    db.$queryRaw<{ submittedCount: number; skipCount: number; flagCount: number; medianTimeMs: number | null }[]>`
      SELECT
        (count(*) FILTER (WHERE status = 'SUBMITTED'))::int AS "submittedCount",
        (count(*) FILTER (WHERE status = 'SKIPPED'))::int AS "skipCount",
        (count(*) FILTER (WHERE status = 'FLAGGED'))::int AS "flagCount",
        (percentile_cont(0.5) WITHIN GROUP (ORDER BY "timeSpentMs") FILTER (WHERE status = 'SUBMITTED'))::float8 AS "medianTimeMs"
      FROM "Annotation"
      WHERE "projectId" = ${options.projectId}`,
  ]);

  const tasksByStatus = { OPEN: 0, DONE: 0, FLAGGED: 0 };
  for (const group of taskGroups) tasksByStatus[group.status] = group._count._all;
  return {
    tasksByStatus,
    taskCount: tasksByStatus.OPEN + tasksByStatus.DONE + tasksByStatus.FLAGGED,
    annotationsByAnnotator: byAnnotator,
    submittedCount: overall.submittedCount,
    skipCount: overall.skipCount,
    flagCount: overall.flagCount,
    medianTimeMs: overall.medianTimeMs,
  };
}
