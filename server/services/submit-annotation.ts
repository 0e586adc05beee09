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
import { TASK_VIEW_COLUMNS_TEXT, toTaskView, type TaskView, type TaskViewRow } from './task-view';
import { CANDIDATES_PER_ATTEMPT, MAX_ACTIVE_LEASES, findNextTask } from './find-next-task';
import { hasGoldMixing } from './gold/pick-gold-task';
import { alreadyAnsweredError, clampTimeSpent, existingOf, isUniqueViolation, loadTaskForWrite, matchRetry, noLeaseError, type TaskForWrite } from './annotation-writes';

/**
 * The submit, one statement (the SQL function feedloop_submit_answer, migration
 * 20261207200000_submit_and_claim, describes it): $1 clientId, $2 taskId, $3 projectId, $4 userId,
 * $5 answer, $6 time spent, $7 edited texts. Returns the new annotation, or no row.
 */
const SUBMIT_SQL = `SELECT s.annotation_id AS id, s.created_at AS "createdAt" FROM feedloop_submit_answer($1, $2::int, $3::int, $4, $5::jsonb, $6::int, $7::text[]) s WHERE s.annotation_id IS NOT NULL`;

/**
 * The submit and one attempt to lease my next task, in one transaction and one round trip
 * (feedloop_submit_and_claim): the same parameters, then $8 excluded task ids, $9 the lease cap,
 * $10 the candidates per attempt. `outcome` is null when nothing was inserted; 'task' when the
 * next task was leased (its view in the same row); anything else leaves the claim to findNextTask.
 */
const SUBMIT_AND_CLAIM_SQL = `
  WITH s AS MATERIALIZED (
    SELECT * FROM feedloop_submit_and_claim($1, $2::int, $3::int, $4, $5::jsonb, $6::int, $7::text[], $8::int[], $9::int, $10::int)
  )
  SELECT s.annotation_id AS id, s.created_at AS "createdAt", s.outcome, ${TASK_VIEW_COLUMNS_TEXT}
  FROM s
  CROSS JOIN LATERAL (SELECT s.task_id AS "taskId", s.lease_expires_at AS "expiresAt") l
  LEFT JOIN "Task" t ON t.id = s.task_id
  LEFT JOIN "Prompt" pr ON pr.id = t."promptId"`;

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
  const { result } = await storeAnswer(options, null);
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
  const excludeTaskIds = [...new Set([...(options.excludeTaskIds ?? []), options.taskId])];
  const { result, projectId, claimed } = await storeAnswer(options, excludeTaskIds);
  // The claim ran in the submit's transaction when it could; otherwise (a retry, another request of
  // mine holding my queue lock, nothing free without waiting) the queue's own loop takes over.
  const next = claimed ?? (await findNextTask({ userId: options.userId, projectId, excludeTaskIds }));
  return { ...result, next };
}

type StoredAnswer = { result: SubmitResult; projectId: number; claimed?: TaskView };
type SubmitAndClaimRow = { id: number | null; createdAt: Date | null; outcome: string | null } & Partial<TaskViewRow>;

/**
 * Stores the answer (or finds the one a first copy of this request stored); returns it with the
 * task's project. With `claimExcluding`, a new answer's transaction also leases my next task when
 * one is free (`claimed`).
 */
async function storeAnswer(options: SubmitAnnotationOptions, claimExcluding: number[] | null): Promise<StoredAnswer> {
  const { userId, clientId, taskId, answer } = options;
  const task = await loadTaskForWrite({ userId, taskId, clientId });
  // A project with gold tasks (or a pause) takes its next task from findNextTask, which mixes gold in.
  if (claimExcluding && (await hasGoldMixing(task.projectId))) claimExcluding = null;
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
  const values = [clientId, taskId, task.projectId, userId, JSON.stringify(answer), clampTimeSpent(options.timeSpentMs), editTexts];
  let inserted: SubmitAndClaimRow | undefined;
  try {
    inserted = claimExcluding
      ? (await hotPathQuery<SubmitAndClaimRow>(SUBMIT_AND_CLAIM_SQL, [...values, claimExcluding, MAX_ACTIVE_LEASES, CANDIDATES_PER_ATTEMPT]))[0]
      : (await hotPathQuery<SubmitAndClaimRow>(SUBMIT_SQL, values))[0];
  } catch (error) {
    // Another clientId of mine got there first (e.g. a skip sent while this was in flight).
    if (isUniqueViolation(error, 'Annotation_taskId_userId_key')) throw alreadyAnsweredError();
    throw error;
  }
  if (inserted?.id != null && inserted.createdAt) {
    const stored: StoredAnswer = done({ id: inserted.id, createdAt: inserted.createdAt });
    if (inserted.outcome === 'task') stored.claimed = toTaskView(inserted as TaskViewRow);
    return stored;
  }

  // Nothing inserted: a copy of this request won the race, or the task filled up (or my lease
  // expired and its slot was taken) meanwhile.
  const current = await loadTaskForWrite({ userId, taskId, clientId });
  const again = existingOf(current);
  if (again) return done(matchRetry(again, { userId, taskId, status: 'SUBMITTED' }));
  throw findSubmitRefusal(current, taskId) ?? new AppError('CONFLICT', `This task already has its ${task.overlap} answers`);
}
