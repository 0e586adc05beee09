/**
 * The annotation queue: the next task for an annotator in a project.
 *
 * Rules: an annotator first gets back a task they still hold (an unexpired lease not in
 * `excludeTaskIds`, which the client uses for the task on screen and the one it prefetched).
 * Otherwise a new task is leased: an OPEN task they have never answered, skipped or flagged,
 * whose submitted answers plus the unexpired leases of others are below the project's overlap.
 * Leases expire, so an abandoned task returns to the queue by itself. One annotator holds at most
 * MAX_ACTIVE_LEASES leases per project.
 *
 * Speed as tables grow: open tasks are scanned in id order on a partial index that holds only
 * OPEN tasks, starting above the annotator's QueueCursor (the last task they leased: below it
 * they have mostly answered everything) and wrapping around once from the start, so a task that
 * came back (expired lease, undo, reopened) is not lost.
 *
 * The claim itself is the SQL function feedloop_claim_task (migration 20261127235500): it locks a
 * few candidates with FOR UPDATE SKIP LOCKED, so annotators asking at the same time walk past
 * each other's rows instead of queueing on them, then re-counts their leases with a snapshot
 * taken after the locks (exact, so a task's last slot is never given twice) and leases one. As a
 * function that is one round trip. It first takes an advisory lock per annotator and project
 * (migration 20261202090000), so two calls of one annotator sent at once run one after the other
 * and the second resumes the lease the first took instead of taking a second task. With an
 * overlap above 1 a locked task may still have room once its holder commits, so when skipping
 * locked rows finds nothing the claim runs again, waiting for the locks (held for milliseconds)
 * instead of reporting an empty queue that is not empty.
 */
import { AppError } from '../errors';
import { pickGoldTask } from './gold/pick-gold-task';
import { hotPathQuery } from '../hot-path-sql';
import { TASK_VIEW_COLUMNS_TEXT, toTaskView, type TaskView, type TaskViewRow } from './task-view';

/** Leases one annotator may hold in a project at once: the task on screen, a prefetched one, one spare. */
export const MAX_ACTIVE_LEASES = 3;
/** Rows locked per attempt: a few, so a lost race on one still leaves a task to lease. */
export const CANDIDATES_PER_ATTEMPT = 3;
const MAX_ATTEMPTS = 8;

/** One claim attempt and the task it leased, in one statement (so one transaction). */
const CLAIM_SQL = `
  WITH c AS MATERIALIZED (
    SELECT * FROM feedloop_claim_task($1, $2::int, $3::int[], $4::int, $5::int, $6::boolean)
  )
  SELECT c.outcome, c.candidate_ids AS "candidateIds", c.active_leases AS "activeLeases", ${TASK_VIEW_COLUMNS_TEXT}
  FROM c
  CROSS JOIN LATERAL (SELECT c.task_id AS "taskId", c.lease_expires_at AS "expiresAt") l
  LEFT JOIN "Task" t ON t.id = c.task_id
  LEFT JOIN "Prompt" pr ON pr.id = t."promptId"`;

type ClaimOutcome = 'task' | 'empty' | 'lost' | 'too_many' | 'no_project';
type ClaimRow = { outcome: ClaimOutcome; candidateIds: number[] | null; activeLeases: number } & Partial<TaskViewRow>;

export async function findNextTask(options: { userId: string; projectId: number; excludeTaskIds?: number[] }): Promise<TaskView | null> {
  const { userId, projectId } = options;
  const excluded = [...new Set(options.excludeTaskIds ?? [])];
  // Gold (check) tasks come at the project's mix rate, never from the regular scan; a paused annotator is refused here.
  const gold = await pickGoldTask({ userId, projectId, excludeTaskIds: excluded });
  if (gold.task) return gold.task;
  excluded.push(...gold.hiddenTaskIds);
  let isWaitingForLocks = false;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    // One statement (so one transaction) per attempt: no attempt waits for a lock while holding another.
    const [row] = await hotPathQuery<ClaimRow>(CLAIM_SQL, [userId, projectId, excluded, MAX_ACTIVE_LEASES, CANDIDATES_PER_ATTEMPT, isWaitingForLocks]);
    switch (row.outcome) {
      case 'task':
        return toTaskView(row as TaskViewRow);
      case 'no_project':
        throw new AppError('NOT_FOUND', `No project ${projectId}`);
      case 'too_many':
        throw new AppError('TOO_MANY_REQUESTS', `You already hold ${row.activeLeases} tasks in this project; submit or skip one first`);
      case 'lost':
        // Every candidate filled up between the function's two statements: look further.
        excluded.push(...(row.candidateIds ?? []));
        break;
      case 'empty':
        if (isWaitingForLocks) return null;
        isWaitingForLocks = true;
        break;
    }
  }
  return null;
}
