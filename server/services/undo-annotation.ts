/**
 * Undoing an action on a task. An annotator may take back any of their own answers in a project
 * (submitted, skipped or flagged) while it is younger than the project's undoSeconds; with no
 * annotation named, the newest one (the last thing they did). The annotation goes and the task is
 * leased back to them so they can answer it again:
 * - a submission: the task's count goes down (a DONE task is OPEN again), an edited answer's
 *   HUMAN_EDIT completion goes with it;
 * - a skip: nothing else changes (a skip never counted);
 * - a flag: the task leaves FLAGGED (OPEN, or DONE when it has its answers) unless someone else
 *   flagged it after me, since then the task is out of the queue for their flag, not mine.
 * Only the caller's own row is ever deleted (the WHERE names them). One statement, so one transaction.
 */
import { db } from '../db';
import { AppError } from '../errors';
import type { AnnotationAction } from './annotation-writes';
import { NOW_UTC, TASK_VIEW_COLUMNS, toTaskView, type TaskView, type TaskViewRow } from './task-view';

export type UndoResult = { task: TaskView; undone: { annotationId: number; status: AnnotationAction } };

export async function undoAnnotation(options: { userId: string; projectId: number; annotationId?: number }): Promise<UndoResult> {
  const { userId, projectId } = options;
  const annotationId = options.annotationId ?? null;
  const rows = await db.$queryRaw<(TaskViewRow & { undoneId: number; undoneStatus: AnnotationAction })[]>`
    WITH target AS (
      SELECT a.id, a."taskId", a.status, p."leaseSeconds", p.overlap
      FROM "Annotation" a JOIN "Project" p ON p.id = a."projectId"
      WHERE a."userId" = ${userId} AND a."projectId" = ${projectId}::int
        AND (${annotationId}::int IS NULL OR a.id = ${annotationId}::int)
        AND a."createdAt" > ${NOW_UTC} - make_interval(secs => p."undoSeconds")
      ORDER BY a."createdAt" DESC, a.id DESC
      LIMIT 1
      FOR UPDATE OF a
    ),
    removed AS (
      DELETE FROM "Annotation" a USING target WHERE a.id = target.id AND a."userId" = ${userId}
      RETURNING a.id, a."taskId", a.status, target."leaseSeconds", target.overlap
    ),
    edits AS (
      DELETE FROM "Completion" c USING removed WHERE c."annotationId" = removed.id AND c.source = 'HUMAN_EDIT'
    ),
    restored AS (
      UPDATE "Task" t SET
        "submittedCount" = CASE WHEN removed.status = 'SUBMITTED' THEN greatest(t."submittedCount" - 1, 0) ELSE t."submittedCount" END,
        status = CASE
          WHEN removed.status = 'SUBMITTED' AND t.status = 'DONE' THEN 'OPEN'::"TaskStatus"
          -- A later flag by someone else keeps the task out of the queue (the statement's snapshot still sees my row: hence id > mine).
          WHEN removed.status = 'FLAGGED' AND t.status = 'FLAGGED'
            AND NOT EXISTS (SELECT 1 FROM "Annotation" o WHERE o."taskId" = t.id AND o.status = 'FLAGGED' AND o.id > removed.id)
            THEN CASE WHEN t."submittedCount" >= removed.overlap THEN 'DONE'::"TaskStatus" ELSE 'OPEN'::"TaskStatus" END
          ELSE t.status
        END,
        "updatedAt" = ${NOW_UTC}
      FROM removed WHERE t.id = removed."taskId" AND removed.status IN ('SUBMITTED', 'FLAGGED')
    ),
    l AS (
      INSERT INTO "Assignment" ("taskId", "projectId", "userId", "leasedAt", "expiresAt")
      SELECT removed."taskId", ${projectId}::int, ${userId}, ${NOW_UTC}, ${NOW_UTC} + make_interval(secs => removed."leaseSeconds")
      FROM removed
      ON CONFLICT ("taskId", "userId") DO UPDATE SET "leasedAt" = excluded."leasedAt", "expiresAt" = excluded."expiresAt"
      RETURNING "taskId", "expiresAt"
    )
    SELECT ${TASK_VIEW_COLUMNS}, removed.id AS "undoneId", removed.status::text AS "undoneStatus"
    FROM l
    JOIN removed ON removed."taskId" = l."taskId"
    JOIN "Task" t ON t.id = l."taskId"
    JOIN "Prompt" pr ON pr.id = t."promptId"`;
  const row = rows[0];
  if (!row) {
    throw new AppError('NOT_FOUND', annotationId === null ? 'Nothing to undo: nothing you did in this project is recent enough' : 'This action can no longer be undone (too old, or not yours)');
  }
  return { task: toTaskView(row), undone: { annotationId: row.undoneId, status: row.undoneStatus } };
}

/** My last action in a project while it can still be undone, or null. */
export async function findUndoableAnnotation(options: { userId: string; projectId: number }): Promise<{ annotationId: number; undoableUntil: Date } | null> {
  const rows = await db.$queryRaw<{ id: number; undoableUntil: Date }[]>`
    SELECT a.id, a."createdAt" + make_interval(secs => p."undoSeconds") AS "undoableUntil"
    FROM "Annotation" a JOIN "Project" p ON p.id = a."projectId"
    WHERE a."userId" = ${options.userId} AND a."projectId" = ${options.projectId}::int
      AND a."createdAt" > ${NOW_UTC} - make_interval(secs => p."undoSeconds")
    ORDER BY a."createdAt" DESC, a.id DESC
    LIMIT 1`;
  return rows[0] ? { annotationId: rows[0].id, undoableUntil: rows[0].undoableUntil } : null;
}
