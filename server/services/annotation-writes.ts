/**
 * What every annotation write (submit, skip, flag) shares: reading the task as the writer sees it
 * (its state, the writer's lease, any annotation already holding the request's clientId), telling
 * a retry from a clash, refusing a writer without a lease, and clamping the time spent.
 *
 * Idempotency: every submit, skip and flag carries a client-generated id; the row is inserted with
 * ON CONFLICT ("clientId") DO NOTHING, so a retried request (double click, flaky network, five
 * copies at once) finds the row the first one wrote and answers the same. A clientId already used
 * by someone else, or for another task or action, is a CONFLICT.
 */
import { AppError } from '../errors';
import { hotPathQuery } from '../hot-path-sql';
import { NOW_UTC_TEXT } from './task-view';

/** Time on a task beyond this is someone who walked away, not work: clamp it. */
export const MAX_TIME_SPENT_MS = 60 * 60 * 1000;

export type AnnotationAction = 'SUBMITTED' | 'SKIPPED' | 'FLAGGED';

export type ExistingAnnotation = { id: number; userId: string; taskId: number; status: AnnotationAction; createdAt: Date };

export type TaskForWrite = {
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
  existingStatus: AnnotationAction | null;
  existingCreatedAt: Date | null;
  /** My lease on the task: null when I hold none. */
  leaseExpiresAt: Date | null;
  isLeaseExpired: boolean;
  /** Unexpired leases of others; counted only when my lease expired (null otherwise). */
  otherLeases: number | null;
};

const LOAD_TASK_FOR_WRITE_SQL = `
  SELECT t."projectId", t."completionIds", t.status::text AS status, t."submittedCount", p.form, p.overlap, p."undoSeconds",
    EXISTS (SELECT 1 FROM "Annotation" a WHERE a."taskId" = t.id AND a."userId" = $1) AS "isAnswered",
    ex.id AS "existingId", ex."userId" AS "existingUserId", ex."taskId" AS "existingTaskId",
    ex.status::text AS "existingStatus", ex."createdAt" AS "existingCreatedAt",
    l."expiresAt" AS "leaseExpiresAt", coalesce(l."expiresAt" <= ${NOW_UTC_TEXT}, false) AS "isLeaseExpired",
    CASE WHEN l."expiresAt" <= ${NOW_UTC_TEXT} THEN feedloop_other_leases(t.id, $1) END AS "otherLeases"
  FROM "Task" t
  JOIN "Project" p ON p.id = t."projectId"
  LEFT JOIN "Annotation" ex ON ex."clientId" = $2
  LEFT JOIN "Assignment" l ON l."taskId" = t.id AND l."userId" = $1
  WHERE t.id = $3::int`;

/** The task, its project's form, whether I answered it, my lease on it, and any annotation already holding this clientId. */
export async function loadTaskForWrite(options: { userId: string; taskId: number; clientId: string }): Promise<TaskForWrite> {
  const rows = await hotPathQuery<TaskForWrite>(LOAD_TASK_FOR_WRITE_SQL, [options.userId, options.clientId, options.taskId]);
  if (!rows[0]) throw new AppError('NOT_FOUND', `No task ${options.taskId}`);
  return rows[0];
}

/** The annotation already holding the request's clientId, or null. */
export function existingOf(row: TaskForWrite): ExistingAnnotation | null {
  if (row.existingId === null || row.existingUserId === null || row.existingTaskId === null || row.existingStatus === null || row.existingCreatedAt === null) return null;
  return { id: row.existingId, userId: row.existingUserId, taskId: row.existingTaskId, status: row.existingStatus, createdAt: row.existingCreatedAt };
}

/** Returns the annotation a retried request refers to, or throws when the clientId belongs to something else. */
export function matchRetry(existing: ExistingAnnotation, request: { userId: string; taskId: number; status: AnnotationAction }): ExistingAnnotation {
  if (existing.userId !== request.userId || existing.taskId !== request.taskId || existing.status !== request.status) {
    throw new AppError('CONFLICT', 'This clientId was already used for another annotation');
  }
  return existing;
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

export const alreadyAnsweredError = () => new AppError('CONFLICT', 'You already answered this task');

export function clampTimeSpent(ms: number): number {
  return Math.min(Math.max(0, Math.round(ms)), MAX_TIME_SPENT_MS);
}

/** Whether a database error is a unique violation (optionally of the named constraint). */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const text = collectErrorText(error);
  const isUnique = text.includes('23505') || text.includes('UniqueConstraintViolation') || text.includes('P2002') || text.includes('duplicate key');
  return isUnique && (!constraint || text.includes(constraint));
}

function collectErrorText(error: unknown, depth = 0): string {
  if (!error || typeof error !== 'object' || depth > 4) return String(error ?? '');
  const record = error as Record<string, unknown>;
  let text = `${String(record.code ?? '')} ${String(record.message ?? '')}`;
  try {
    text += ` ${JSON.stringify(record.meta ?? '')}`;
  } catch {
    // meta may hold something unserialisable; the message and code are enough then.
  }
  if (record.cause) text += ` ${collectErrorText(record.cause, depth + 1)}`;
  return text;
}
