/**
 * Submitting an answer to a task.
 *
 * One statement does the whole write, so it is one transaction and one round trip: lock the task
 * row, insert the annotation only while the task is OPEN and below its overlap and the submitter
 * holds a lease on it (ON CONFLICT on the clientId makes retries no-ops), count it on the task
 * (DONE at the overlap), drop the submitter's lease and store an edited answer as a HUMAN_EDIT
 * completion. Because the lock is taken first, a submission that waited for another one sees its
 * count: the overlap is never exceeded, and two copies of one request never count twice.
 *
 * Leases: only the annotator the queue served a task to may answer it (an Assignment row for the
 * task and them). A lease that expired still counts when the task has room for one more answer:
 * its submitted answers plus the unexpired leases of others are below the overlap, i.e. nobody
 * took the slot meanwhile. Otherwise the late answer is refused with a CONFLICT that says so.
 */
import { db } from '../db';
import { AppError } from '../errors';
import { findAnswerProblems, type Answer } from '../../lib/forms/schema';
import { readStoredForm } from './projects';
import { NOW_UTC } from './task-view';
import { isUniqueViolation, matchRetry, type ExistingAnnotation } from './annotation-idempotency';

/** Time on a task beyond this is someone who walked away, not work: clamp it. */
export const MAX_TIME_SPENT_MS = 60 * 60 * 1000;

export type SubmitResult = { annotationId: number; undoableUntil: Date };

type TaskRow = {
  projectId: number;
  completionIds: number[];
  status: 'OPEN' | 'DONE' | 'FLAGGED';
  submittedCount: number;
  form: unknown;
  overlap: number;
  undoSeconds: number;
  isAnswered: boolean;
  existingId: number | null;
  existingUserId: string | null;
  existingTaskId: number | null;
  existingStatus: ExistingAnnotation['status'] | null;
  existingCreatedAt: Date | null;
  /** My lease on the task: null when I hold none. */
  leaseExpiresAt: Date | null;
  isLeaseExpired: boolean;
  /** Unexpired leases of others; counted only when my lease expired (null otherwise). */
  otherLeases: number | null;
};

/** The task, its project's form, whether I answered it, my lease on it, and any annotation already holding this clientId. */
export async function loadTaskForAnswer(options: { userId: string; taskId: number; clientId: string }): Promise<TaskRow> {
  const rows = await db.$queryRaw<TaskRow[]>`
    SELECT t."projectId", t."completionIds", t.status::text AS status, t."submittedCount", p.form, p.overlap, p."undoSeconds",
      EXISTS (SELECT 1 FROM "Annotation" a WHERE a."taskId" = t.id AND a."userId" = ${options.userId}) AS "isAnswered",
      ex.id AS "existingId", ex."userId" AS "existingUserId", ex."taskId" AS "existingTaskId",
      ex.status::text AS "existingStatus", ex."createdAt" AS "existingCreatedAt",
      l."expiresAt" AS "leaseExpiresAt", coalesce(l."expiresAt" <= ${NOW_UTC}, false) AS "isLeaseExpired",
      CASE WHEN l."expiresAt" <= ${NOW_UTC} THEN feedloop_other_leases(t.id, ${options.userId}) END AS "otherLeases"
    FROM "Task" t
    JOIN "Project" p ON p.id = t."projectId"
    LEFT JOIN "Annotation" ex ON ex."clientId" = ${options.clientId}
    LEFT JOIN "Assignment" l ON l."taskId" = t.id AND l."userId" = ${options.userId}
    WHERE t.id = ${options.taskId}::int`;
  if (!rows[0]) throw new AppError('NOT_FOUND', `No task ${options.taskId}`);
  return rows[0];
}

export function existingOf(row: TaskRow): ExistingAnnotation | null {
  if (row.existingId === null || row.existingUserId === null || row.existingTaskId === null || row.existingStatus === null || row.existingCreatedAt === null) return null;
  return { id: row.existingId, userId: row.existingUserId, taskId: row.existingTaskId, status: row.existingStatus, createdAt: row.existingCreatedAt };
}

/**
 * Refused with CONFLICT rather than FORBIDDEN: the caller's role may answer this project, what
 * they lack is the task's current state (a lease), like a task that filled up or was flagged. The
 * rating page moves on from a CONFLICT, which is right for any client that finds itself without
 * the lease; a FORBIDDEN would make it put the task back on screen and try again.
 */
export function noLeaseError(taskId: number): AppError {
  return new AppError('CONFLICT', `You do not hold task ${taskId}: take tasks from the queue (queue.next) before answering them`);
}

/** Why a submission of this task by me is refused, from what loadTaskForAnswer read; null when it may go ahead. */
function findSubmitRefusal(task: TaskRow, taskId: number): AppError | null {
  if (task.isAnswered) return new AppError('CONFLICT', 'You already answered this task');
  if (task.leaseExpiresAt === null) return noLeaseError(taskId);
  if (task.status === 'FLAGGED') return new AppError('CONFLICT', 'This task was flagged and has left the queue');
  const isSlotTaken = task.status === 'DONE' || task.submittedCount + (task.otherLeases ?? 0) >= task.overlap;
  if (task.isLeaseExpired && isSlotTaken) {
    return new AppError('CONFLICT', `Your lease on task ${taskId} expired and another annotator took its place: this answer was not saved`);
  }
  if (task.status === 'DONE') return new AppError('CONFLICT', `This task already has its ${task.overlap} answers`);
  return null;
}

export function clampTimeSpent(ms: number): number {
  return Math.min(Math.max(0, Math.round(ms)), MAX_TIME_SPENT_MS);
}

export async function submitAnnotation(options: { userId: string; clientId: string; taskId: number; answer: Answer; timeSpentMs: number }): Promise<SubmitResult> {
  const { userId, clientId, taskId, answer } = options;
  const task = await loadTaskForAnswer({ userId, taskId, clientId });
  const toResult = (a: { id: number; createdAt: Date }): SubmitResult => ({ annotationId: a.id, undoableUntil: new Date(a.createdAt.getTime() + task.undoSeconds * 1000) });

  // A retry first: it answers the same even once the first copy has released the lease.
  const existing = existingOf(task);
  if (existing) return toResult(matchRetry(existing, { userId, taskId, status: 'SUBMITTED' }));
  const refusal = findSubmitRefusal(task, taskId);
  if (refusal) throw refusal;

  const problems = findAnswerProblems(readStoredForm(task.form), task.completionIds, answer);
  if (problems.length > 0) throw new AppError('BAD_REQUEST', `Invalid answer: ${problems[0]}`, { problems });

  const editTexts = Object.values(answer).flatMap((a) => (a.type === 'edit' ? [a.text] : []));
  let inserted: { id: number; createdAt: Date }[];
  try {
    inserted = await db.$queryRaw<{ id: number; createdAt: Date }[]>`
      WITH t AS (
        SELECT t.id, t."promptId", t."submittedCount", t.status, p.overlap,
          (SELECT l."expiresAt" FROM "Assignment" l WHERE l."taskId" = t.id AND l."userId" = ${userId}) AS "leaseExpiresAt"
        FROM "Task" t JOIN "Project" p ON p.id = t."projectId"
        WHERE t.id = ${taskId}::int
        FOR UPDATE OF t
      ),
      ins AS (
        INSERT INTO "Annotation" ("clientId", "taskId", "projectId", "userId", status, answer, "timeSpentMs", "createdAt")
        SELECT ${clientId}, t.id, ${task.projectId}::int, ${userId}, 'SUBMITTED', ${JSON.stringify(answer)}::jsonb, ${clampTimeSpent(options.timeSpentMs)}::int, ${NOW_UTC}
        FROM t WHERE t.status = 'OPEN' AND t."submittedCount" < t.overlap
          -- My lease: unexpired, or expired while the task still has room. The room is counted
          -- only in that rare case, after the row lock, with a fresh snapshot (see the function).
          AND CASE
            WHEN t."leaseExpiresAt" IS NULL THEN false
            WHEN t."leaseExpiresAt" > ${NOW_UTC} THEN true
            ELSE t."submittedCount" + feedloop_other_leases(t.id, ${userId}) < t.overlap
          END
        ON CONFLICT ("clientId") DO NOTHING
        RETURNING id, "createdAt"
      ),
      counted AS (
        UPDATE "Task" SET
          "submittedCount" = "Task"."submittedCount" + 1,
          status = CASE WHEN "Task"."submittedCount" + 1 >= t.overlap THEN 'DONE'::"TaskStatus" ELSE "Task".status END,
          "updatedAt" = ${NOW_UTC}
        FROM t
        WHERE "Task".id = t.id AND EXISTS (SELECT 1 FROM ins)
      ),
      released AS (
        DELETE FROM "Assignment" WHERE "taskId" = ${taskId}::int AND "userId" = ${userId} AND EXISTS (SELECT 1 FROM ins)
      ),
      edits AS (
        INSERT INTO "Completion" ("promptId", text, source, "annotationId", "createdAt")
        SELECT t."promptId", e.text, 'HUMAN_EDIT', ins.id, ${NOW_UTC}
        FROM ins, t, unnest(${editTexts}::text[]) AS e(text)
      )
      SELECT id, "createdAt" FROM ins`;
  } catch (error) {
    // Another clientId of mine got there first (e.g. a skip sent while this was in flight).
    if (isUniqueViolation(error, 'Annotation_taskId_userId_key')) throw new AppError('CONFLICT', 'You already answered this task');
    throw error;
  }
  if (inserted[0]) return toResult(inserted[0]);

  // Nothing inserted: a copy of this request won the race, or the task filled up (or my lease
  // expired and its slot was taken) meanwhile.
  const current = await loadTaskForAnswer({ userId, taskId, clientId });
  const again = existingOf(current);
  if (again) return toResult(matchRetry(again, { userId, taskId, status: 'SUBMITTED' }));
  throw findSubmitRefusal(current, taskId) ?? new AppError('CONFLICT', `This task already has its ${task.overlap} answers`);
}
