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
import { hotPathQuery } from '../hot-path-sql';
import { AppError } from '../errors';
import { findAnswerProblems, type Answer } from '../../lib/forms/schema';
import { readStoredForm } from './projects';
import { NOW_UTC_TEXT, type TaskView } from './task-view';
import { findNextTask } from './find-next-task';
import { alreadyAnsweredError, clampTimeSpent, existingOf, isUniqueViolation, loadTaskForWrite, matchRetry, noLeaseError, type TaskForWrite } from './annotation-writes';

/** The submit, in one statement: $1 clientId, $2 taskId, $3 projectId, $4 userId, $5 answer, $6 time spent, $7 edited texts. */
const SUBMIT_SQL = `
  WITH t AS (
    SELECT t.id, t."promptId", t."submittedCount", t.status, p.overlap,
      (SELECT l."expiresAt" FROM "Assignment" l WHERE l."taskId" = t.id AND l."userId" = $4) AS "leaseExpiresAt"
    FROM "Task" t JOIN "Project" p ON p.id = t."projectId"
    WHERE t.id = $2::int
    FOR UPDATE OF t
  ),
  ins AS (
    INSERT INTO "Annotation" ("clientId", "taskId", "projectId", "userId", status, answer, "timeSpentMs", "createdAt")
    SELECT $1, t.id, $3::int, $4, 'SUBMITTED', $5::jsonb, $6::int, ${NOW_UTC_TEXT}
    FROM t WHERE t.status = 'OPEN' AND t."submittedCount" < t.overlap
      -- My lease: unexpired, or expired while the task still has room. The room is counted
      -- only in that rare case, after the row lock, with a fresh snapshot (see the function).
      AND CASE
        WHEN t."leaseExpiresAt" IS NULL THEN false
        WHEN t."leaseExpiresAt" > ${NOW_UTC_TEXT} THEN true
        ELSE t."submittedCount" + feedloop_other_leases(t.id, $4) < t.overlap
      END
    ON CONFLICT ("clientId") DO NOTHING
    RETURNING id, "createdAt"
  ),
  counted AS (
    UPDATE "Task" SET
      "submittedCount" = "Task"."submittedCount" + 1,
      status = CASE WHEN "Task"."submittedCount" + 1 >= t.overlap THEN 'DONE'::"TaskStatus" ELSE "Task".status END,
      "updatedAt" = ${NOW_UTC_TEXT}
    FROM t
    WHERE "Task".id = t.id AND EXISTS (SELECT 1 FROM ins)
  ),
  released AS (
    DELETE FROM "Assignment" WHERE "taskId" = $2::int AND "userId" = $4 AND EXISTS (SELECT 1 FROM ins)
  ),
  edits AS (
    INSERT INTO "Completion" ("promptId", text, source, "annotationId", "createdAt")
    SELECT t."promptId", e.text, 'HUMAN_EDIT', ins.id, ${NOW_UTC_TEXT}
    FROM ins, t, unnest($7::text[]) AS e(text)
  )
  SELECT id, "createdAt" FROM ins`;

export type SubmitResult = { annotationId: number; undoableUntil: Date };
export type SubmitAnnotationOptions = { userId: string; clientId: string; taskId: number; answer: Answer; timeSpentMs: number };

/** Why a submission of this task by me is refused, from what loadTaskForWrite read; null when it may go ahead. */
function findSubmitRefusal(task: TaskForWrite, taskId: number): AppError | null {
  if (task.isAnswered) return alreadyAnsweredError();
  if (task.leaseExpiresAt === null) return noLeaseError(taskId);
  if (task.status === 'FLAGGED') return new AppError('CONFLICT', 'This task was flagged and has left the queue');
  const isSlotTaken = task.status === 'DONE' || task.submittedCount + (task.otherLeases ?? 0) >= task.overlap;
  if (task.isLeaseExpired && isSlotTaken) {
    return new AppError('CONFLICT', `Your lease on task ${taskId} expired and another annotator took its place: this answer was not saved`);
  }
  if (task.status === 'DONE') return new AppError('CONFLICT', `This task already has its ${task.overlap} answers`);
  return null;
}

export async function submitAnnotation(options: SubmitAnnotationOptions): Promise<SubmitResult> {
  const { result } = await storeAnswer(options);
  return result;
}

/**
 * Submits the answer (exactly as submitAnnotation: same checks, same retry rule) and leases my
 * next task in the same project, so the rating page makes one round trip per task instead of two.
 * The next task is what queue.next would return with the same `excludeTaskIds` once the answer is
 * stored: a retry of the same request (same clientId) finds the task its first copy leased, since
 * findNextTask first gives back a task I still hold. A refused submission leases nothing.
 */
export async function submitAndFindNext(options: SubmitAnnotationOptions & { excludeTaskIds?: number[] }): Promise<SubmitResult & { next: TaskView | null }> {
  const { result, projectId } = await storeAnswer(options);
  const next = await findNextTask({ userId: options.userId, projectId, excludeTaskIds: [...(options.excludeTaskIds ?? []), options.taskId] });
  return { ...result, next };
}

/** Stores the answer (or finds the one a first copy of this request stored); returns it with the task's project. */
async function storeAnswer(options: SubmitAnnotationOptions): Promise<{ result: SubmitResult; projectId: number }> {
  const { userId, clientId, taskId, answer } = options;
  const task = await loadTaskForWrite({ userId, taskId, clientId });
  const done = (a: { id: number; createdAt: Date }) => ({
    result: { annotationId: a.id, undoableUntil: new Date(a.createdAt.getTime() + task.undoSeconds * 1000) },
    projectId: task.projectId,
  });

  // A retry first: it answers the same even once the first copy has released the lease.
  const existing = existingOf(task);
  if (existing) return done(matchRetry(existing, { userId, taskId, status: 'SUBMITTED' }));
  const refusal = findSubmitRefusal(task, taskId);
  if (refusal) throw refusal;

  const problems = findAnswerProblems(readStoredForm(task.form), task.completionIds, answer);
  if (problems.length > 0) throw new AppError('BAD_REQUEST', `Invalid answer: ${problems[0].questionId}: ${problems[0].message}`, { problems });

  const editTexts = Object.values(answer).flatMap((a) => (a.type === 'edit' ? [a.text] : []));
  let inserted: { id: number; createdAt: Date }[];
  try {
    inserted = await hotPathQuery<{ id: number; createdAt: Date }>(SUBMIT_SQL, [clientId, taskId, task.projectId, userId, JSON.stringify(answer), clampTimeSpent(options.timeSpentMs), editTexts]);
  } catch (error) {
    // Another clientId of mine got there first (e.g. a skip sent while this was in flight).
    if (isUniqueViolation(error, 'Annotation_taskId_userId_key')) throw alreadyAnsweredError();
    throw error;
  }
  if (inserted[0]) return done(inserted[0]);

  // Nothing inserted: a copy of this request won the race, or the task filled up (or my lease
  // expired and its slot was taken) meanwhile.
  const current = await loadTaskForWrite({ userId, taskId, clientId });
  const again = existingOf(current);
  if (again) return done(matchRetry(again, { userId, taskId, status: 'SUBMITTED' }));
  throw findSubmitRefusal(current, taskId) ?? new AppError('CONFLICT', `This task already has its ${task.overlap} answers`);
}
