/**
 * Submitting an answer to a task.
 *
 * One statement does the whole write, so it is one transaction and one round trip: lock the task
 * row, insert the annotation only while the task is OPEN and below its overlap (ON CONFLICT on
 * the clientId makes retries no-ops), count it on the task (DONE at the overlap), drop the
 * submitter's lease and store an edited answer as a HUMAN_EDIT completion. Because the lock is
 * taken first, a submission that waited for another one sees its count: the overlap is never
 * exceeded, and two copies of one request never count twice.
 */
import { db } from '../db';
import { AppError } from '../errors';
import { findAnswerProblems, type Answer } from '../forms/schema';
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
  form: unknown;
  overlap: number;
  undoSeconds: number;
  isAnswered: boolean;
  existingId: number | null;
  existingUserId: string | null;
  existingTaskId: number | null;
  existingStatus: ExistingAnnotation['status'] | null;
  existingCreatedAt: Date | null;
};

/** The task, its project's form, whether I answered it, and any annotation already holding this clientId. */
export async function loadTaskForAnswer(options: { userId: string; taskId: number; clientId: string }): Promise<TaskRow> {
  const rows = await db.$queryRaw<TaskRow[]>`
    SELECT t."projectId", t."completionIds", t.status::text AS status, p.form, p.overlap, p."undoSeconds",
      EXISTS (SELECT 1 FROM "Annotation" a WHERE a."taskId" = t.id AND a."userId" = ${options.userId}) AS "isAnswered",
      ex.id AS "existingId", ex."userId" AS "existingUserId", ex."taskId" AS "existingTaskId",
      ex.status::text AS "existingStatus", ex."createdAt" AS "existingCreatedAt"
    FROM "Task" t
    JOIN "Project" p ON p.id = t."projectId"
    LEFT JOIN "Annotation" ex ON ex."clientId" = ${options.clientId}
    WHERE t.id = ${options.taskId}::int`;
  if (!rows[0]) throw new AppError('NOT_FOUND', `No task ${options.taskId}`);
  return rows[0];
}

export function existingOf(row: TaskRow): ExistingAnnotation | null {
  if (row.existingId === null || row.existingUserId === null || row.existingTaskId === null || row.existingStatus === null || row.existingCreatedAt === null) return null;
  return { id: row.existingId, userId: row.existingUserId, taskId: row.existingTaskId, status: row.existingStatus, createdAt: row.existingCreatedAt };
}

export function clampTimeSpent(ms: number): number {
  return Math.min(Math.max(0, Math.round(ms)), MAX_TIME_SPENT_MS);
}

export async function submitAnnotation(options: { userId: string; clientId: string; taskId: number; answer: Answer; timeSpentMs: number }): Promise<SubmitResult> {
  const { userId, clientId, taskId, answer } = options;
  const task = await loadTaskForAnswer({ userId, taskId, clientId });
  const toResult = (a: { id: number; createdAt: Date }): SubmitResult => ({ annotationId: a.id, undoableUntil: new Date(a.createdAt.getTime() + task.undoSeconds * 1000) });

  const existing = existingOf(task);
  if (existing) return toResult(matchRetry(existing, { userId, taskId, status: 'SUBMITTED' }));
  if (task.isAnswered) throw new AppError('CONFLICT', 'You already answered this task');
  if (task.status === 'FLAGGED') throw new AppError('CONFLICT', 'This task was flagged and has left the queue');
  if (task.status === 'DONE') throw new AppError('CONFLICT', `This task already has its ${task.overlap} answers`);

  const problems = findAnswerProblems(readStoredForm(task.form), task.completionIds, answer);
  if (problems.length > 0) throw new AppError('BAD_REQUEST', `Invalid answer: ${problems[0]}`, { problems });

  const editTexts = Object.values(answer).flatMap((a) => (a.type === 'edit' ? [a.text] : []));
  let inserted: { id: number; createdAt: Date }[];
  try {
    inserted = await db.$queryRaw<{ id: number; createdAt: Date }[]>`
      WITH t AS (
        SELECT t.id, t."promptId", t."submittedCount", t.status, p.overlap
        FROM "Task" t JOIN "Project" p ON p.id = t."projectId"
        WHERE t.id = ${taskId}::int
        FOR UPDATE OF t
      ),
      ins AS (
        INSERT INTO "Annotation" ("clientId", "taskId", "projectId", "userId", status, answer, "timeSpentMs", "createdAt")
        SELECT ${clientId}, t.id, ${task.projectId}::int, ${userId}, 'SUBMITTED', ${JSON.stringify(answer)}::jsonb, ${clampTimeSpent(options.timeSpentMs)}::int, ${NOW_UTC}
        FROM t WHERE t.status = 'OPEN' AND t."submittedCount" < t.overlap
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

  // Nothing inserted: either a copy of this request won the race, or the task filled up meanwhile.
  const again = existingOf(await loadTaskForAnswer({ userId, taskId, clientId }));
  if (again) return toResult(matchRetry(again, { userId, taskId, status: 'SUBMITTED' }));
  throw new AppError('CONFLICT', `This task already has its ${task.overlap} answers`);
}
