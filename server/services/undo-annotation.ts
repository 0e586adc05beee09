/**
 * Undoing a submission. An annotator may take back their last SUBMITTED answer in a project while
 * it is younger than the project's undoSeconds: the annotation goes, the task's count goes down
 * (a DONE task is OPEN again), an edited answer's HUMAN_EDIT completion goes with it, and the task
 * is leased back to them so they can answer it again. One statement, so one transaction.
 */
import { db } from '../db';
import { AppError } from '../errors';
import { NOW_UTC, TASK_VIEW_COLUMNS, toTaskView, type TaskView, type TaskViewRow } from './task-view';

export async function undoLastAnnotation(options: { userId: string; projectId: number }): Promise<{ task: TaskView }> {
  const { userId, projectId } = options;
  const rows = await db.$queryRaw<TaskViewRow[]>`
    WITH target AS (
      SELECT a.id, a."taskId", p."leaseSeconds"
      FROM "Annotation" a JOIN "Project" p ON p.id = a."projectId"
      WHERE a."userId" = ${userId} AND a."projectId" = ${projectId}::int AND a.status = 'SUBMITTED'
        AND a."createdAt" > ${NOW_UTC} - make_interval(secs => p."undoSeconds")
      ORDER BY a."createdAt" DESC, a.id DESC
      LIMIT 1
      FOR UPDATE OF a
    ),
    removed AS (
      DELETE FROM "Annotation" a USING target WHERE a.id = target.id
      RETURNING a.id, a."taskId", target."leaseSeconds"
    ),
    edits AS (
      DELETE FROM "Completion" c USING removed WHERE c."annotationId" = removed.id AND c.source = 'HUMAN_EDIT'
    ),
    uncounted AS (
      UPDATE "Task" t SET
        "submittedCount" = greatest(t."submittedCount" - 1, 0),
        status = CASE WHEN t.status = 'DONE' THEN 'OPEN'::"TaskStatus" ELSE t.status END,
        "updatedAt" = ${NOW_UTC}
      FROM removed WHERE t.id = removed."taskId"
    ),
    l AS (
      INSERT INTO "Assignment" ("taskId", "projectId", "userId", "leasedAt", "expiresAt")
      SELECT removed."taskId", ${projectId}::int, ${userId}, ${NOW_UTC}, ${NOW_UTC} + make_interval(secs => removed."leaseSeconds")
      FROM removed
      ON CONFLICT ("taskId", "userId") DO UPDATE SET "leasedAt" = excluded."leasedAt", "expiresAt" = excluded."expiresAt"
      RETURNING "taskId", "expiresAt"
    )
    SELECT ${TASK_VIEW_COLUMNS}
    FROM l
    JOIN "Task" t ON t.id = l."taskId"
    JOIN "Prompt" pr ON pr.id = t."promptId"`;
  if (!rows[0]) throw new AppError('NOT_FOUND', 'Nothing to undo: no submission in this project is recent enough');
  return { task: toTaskView(rows[0]) };
}

/** My last submission in a project while it can still be undone, or null. */
export async function findUndoableAnnotation(options: { userId: string; projectId: number }): Promise<{ annotationId: number; undoableUntil: Date } | null> {
  const rows = await db.$queryRaw<{ id: number; undoableUntil: Date }[]>`
    SELECT a.id, a."createdAt" + make_interval(secs => p."undoSeconds") AS "undoableUntil"
    FROM "Annotation" a JOIN "Project" p ON p.id = a."projectId"
    WHERE a."userId" = ${options.userId} AND a."projectId" = ${options.projectId}::int AND a.status = 'SUBMITTED'
      AND a."createdAt" > ${NOW_UTC} - make_interval(secs => p."undoSeconds")
    ORDER BY a."createdAt" DESC, a.id DESC
    LIMIT 1`;
  return rows[0] ? { annotationId: rows[0].id, undoableUntil: rows[0].undoableUntil } : null;
}
