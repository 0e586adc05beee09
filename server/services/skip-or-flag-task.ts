/**
 * Skipping and flagging a task. Both record an annotation (SKIPPED / FLAGGED), so the task never
 * comes back to this annotator, and drop their lease. A flag also takes the task out of the queue
 * for everyone (status FLAGGED) until an admin reopens it. Idempotent per clientId like submit.
 *
 * Only the annotator the queue served the task to may skip or flag it (an Assignment row for the
 * task and them, checked in the write itself); an expired lease is enough, since neither takes an
 * answer's slot: the annotator saw the task, and may still set it aside.
 */
import { db } from '../db';
import { AppError } from '../errors';
import { NOW_UTC } from './task-view';
import { alreadyAnsweredError, clampTimeSpent, existingOf, isUniqueViolation, loadTaskForWrite, matchRetry, noLeaseError } from './annotation-writes';

export const MAX_FLAG_REASON_LENGTH = 500;

/** The annotation, and until when it can be undone. */
export type SetAsideResult = { annotationId: number; undoableUntil: Date };

export async function skipTask(options: { userId: string; clientId: string; taskId: number; timeSpentMs: number }): Promise<SetAsideResult> {
  return setTaskAside({ ...options, status: 'SKIPPED', reason: null });
}

export async function flagTask(options: { userId: string; clientId: string; taskId: number; reason: string; timeSpentMs: number }): Promise<SetAsideResult> {
  const reason = options.reason.trim();
  if (!reason) throw new AppError('BAD_REQUEST', 'Say why you flag this task');
  if (reason.length > MAX_FLAG_REASON_LENGTH) throw new AppError('BAD_REQUEST', `Keep the reason under ${MAX_FLAG_REASON_LENGTH} characters`);
  return setTaskAside({ ...options, status: 'FLAGGED', reason });
}

async function setTaskAside(options: { userId: string; clientId: string; taskId: number; timeSpentMs: number; status: 'SKIPPED' | 'FLAGGED'; reason: string | null }): Promise<SetAsideResult> {
  const { userId, clientId, taskId, status, reason } = options;
  const task = await loadTaskForWrite({ userId, taskId, clientId });
  const existing = existingOf(task);
  const done = (a: { id: number; createdAt: Date }): SetAsideResult => ({ annotationId: a.id, undoableUntil: new Date(a.createdAt.getTime() + task.undoSeconds * 1000) });
  if (existing) return done(matchRetry(existing, { userId, taskId, status }));
  if (task.isAnswered) throw alreadyAnsweredError();
  if (task.leaseExpiresAt === null) throw noLeaseError(taskId);

  const isFlag = status === 'FLAGGED';
  let inserted: { id: number; createdAt: Date }[];
  try {
    inserted = await db.$queryRaw<{ id: number; createdAt: Date }[]>`
      WITH ins AS (
        INSERT INTO "Annotation" ("clientId", "taskId", "projectId", "userId", status, "flagReason", "timeSpentMs", "createdAt")
        SELECT ${clientId}, ${taskId}::int, ${task.projectId}::int, ${userId}, ${status}::"AnnotationStatus", ${reason}::text, ${clampTimeSpent(options.timeSpentMs)}::int, ${NOW_UTC}
        WHERE EXISTS (SELECT 1 FROM "Assignment" l WHERE l."taskId" = ${taskId}::int AND l."userId" = ${userId})
        ON CONFLICT ("clientId") DO NOTHING
        RETURNING id, "createdAt"
      ),
      flagged AS (
        UPDATE "Task" SET status = 'FLAGGED', "updatedAt" = ${NOW_UTC}
        WHERE id = ${taskId}::int AND ${isFlag}::boolean AND EXISTS (SELECT 1 FROM ins)
      ),
      released AS (
        DELETE FROM "Assignment" WHERE "taskId" = ${taskId}::int AND "userId" = ${userId} AND EXISTS (SELECT 1 FROM ins)
      )
      SELECT id, "createdAt" FROM ins`;
  } catch (error) {
    if (isUniqueViolation(error, 'Annotation_taskId_userId_key')) throw alreadyAnsweredError();
    throw error;
  }
  if (inserted[0]) return done(inserted[0]);
  // Nothing inserted: a copy of this request won the race, or my lease went meanwhile (another request of mine answered the task).
  const current = await loadTaskForWrite({ userId, taskId, clientId });
  const again = existingOf(current);
  if (again) return done(matchRetry(again, { userId, taskId, status }));
  if (current.isAnswered) throw alreadyAnsweredError();
  if (current.leaseExpiresAt === null) throw noLeaseError(taskId);
  throw new AppError('CONFLICT', 'This clientId was already used for another annotation');
}
