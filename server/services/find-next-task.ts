/**
 * The annotation queue: the next task for an annotator in a project.
 *
 * Rules: an annotator first gets back a task they still hold (an unexpired lease not in
 * `excludeTaskIds`, which the client uses for the task on screen and the one it prefetched).
 * Otherwise a new task is leased: an OPEN task they have never answered, skipped or flagged,
 * whose submitted answers plus the unexpired leases of others are below the project's overlap.
 * Leases expire, so an abandoned task returns to the queue by itself.
 *
 * Speed as tables grow: open tasks are scanned in id order on a partial index that holds only
 * OPEN tasks, starting above the annotator's QueueCursor (the last task they leased: below it
 * they have mostly answered everything) and wrapping around once from the start, so a task that
 * came back (expired lease, undo, reopened) is not lost. One call is one transaction of two
 * statements: lock a few candidates (FOR UPDATE SKIP LOCKED, so annotators asking at the same
 * time walk past each other's rows instead of queueing on them), then lease one of them.
 *
 * With an overlap above 1 a locked task may still have room for me once its holder commits, so
 * when skipping locked rows finds nothing, the scan runs again waiting for the locks (held for a
 * few milliseconds) instead of reporting an empty queue that is not empty.
 */
import { db } from '../db';
import { AppError } from '../errors';
import { Prisma } from '../generated/prisma/client';
import { leaseCandidateTask, renewLease, type Tx } from './lease-task';
import { NOW_UTC, type TaskView } from './task-view';

/** Leases one annotator may hold in a project at once: the task on screen, a prefetched one, one spare. */
export const MAX_ACTIVE_LEASES = 3;
/** Rows locked per attempt: a few, so a lost race on one still leaves a task to lease. */
const CANDIDATES_PER_ATTEMPT = 3;
const MAX_ATTEMPTS = 8;

type ScanRow = {
  overlap: number | null;
  leaseSeconds: number | null;
  resumeTaskId: number | null;
  activeLeases: number;
  candidateIds: number[] | null;
};

type Attempt = { kind: 'task'; task: TaskView } | { kind: 'empty' } | { kind: 'lost'; candidateIds: number[] };

export async function findNextTask(options: { userId: string; projectId: number; excludeTaskIds?: number[] }): Promise<TaskView | null> {
  const { userId, projectId } = options;
  const excluded = [...new Set(options.excludeTaskIds ?? [])];
  let isWaitingForLocks = false;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    // One transaction per attempt, so no attempt waits for a lock while holding another.
    const outcome = await db.$transaction((tx) => claimTask(tx, { userId, projectId, excluded, isWaitingForLocks }), {
      // Under load the pool may be busy for a while; waiting is better than failing the request.
      maxWait: 15_000,
      timeout: 15_000,
    });
    if (outcome.kind === 'task') return outcome.task;
    if (outcome.kind === 'lost') {
      // Every candidate filled up between the two statements: look further.
      excluded.push(...outcome.candidateIds);
      continue;
    }
    if (isWaitingForLocks) return null;
    isWaitingForLocks = true;
  }
  return null;
}

async function claimTask(tx: Tx, options: { userId: string; projectId: number; excluded: number[]; isWaitingForLocks: boolean }): Promise<Attempt> {
  const { userId, projectId } = options;
  const scan = await scanQueue(tx, options);
  if (scan.overlap === null || scan.leaseSeconds === null) throw new AppError('NOT_FOUND', `No project ${projectId}`);
  if (scan.resumeTaskId !== null) {
    const resumed = await renewLease(tx, { userId, taskId: scan.resumeTaskId, leaseSeconds: scan.leaseSeconds });
    return resumed ? { kind: 'task', task: resumed } : { kind: 'lost', candidateIds: [scan.resumeTaskId] };
  }
  if (scan.activeLeases >= MAX_ACTIVE_LEASES) {
    throw new AppError('TOO_MANY_REQUESTS', `You already hold ${scan.activeLeases} tasks in this project; submit or skip one first`);
  }
  const candidateIds = scan.candidateIds ?? [];
  if (candidateIds.length === 0) return { kind: 'empty' };
  const leased = await leaseCandidateTask(tx, { userId, projectId, candidateIds, overlap: scan.overlap, leaseSeconds: scan.leaseSeconds });
  return leased ? { kind: 'task', task: leased } : { kind: 'lost', candidateIds };
}

/**
 * One statement: the annotator's resumable lease and lease count, and (only when neither a
 * resumable lease exists nor the cap is reached) a few locked candidate tasks. The lease count in
 * here is a cheap pre-filter; lease-task.ts re-checks it exactly after the lock is held.
 */
async function scanQueue(tx: Tx, options: { userId: string; projectId: number; excluded: number[]; isWaitingForLocks: boolean }): Promise<ScanRow> {
  const { userId, projectId, excluded } = options;
  // Waiting, lock a single row: a transaction that waits then holds no other lock, so it cannot deadlock.
  const lock = options.isWaitingForLocks ? Prisma.sql`FOR UPDATE OF t` : Prisma.sql`FOR UPDATE OF t SKIP LOCKED`;
  const limit = options.isWaitingForLocks ? 1 : CANDIDATES_PER_ATTEMPT;
  // Two planner guards, both measured on 1M annotations:
  // - `projectId = ANY(ARRAY[..])` keeps projectId out of the planner's constants, so ORDER BY
  //   ("projectId", id) can only be served by the partial index of OPEN tasks. With a plain `=`
  //   the primary key also yields id order, and the planner may walk it through every DONE task.
  // - `OFFSET 0` keeps "not answered by me" a per-row probe of the (taskId, userId) index; as an
  //   anti-join it would read all of my annotations first.
  const isAvailable = Prisma.sql`
    t."projectId" = ANY(ARRAY[${projectId}::int])
    AND t.status = 'OPEN'
    AND NOT (t.id = ANY(${excluded}::int[]))
    AND NOT EXISTS (SELECT 1 FROM "Annotation" an WHERE an."taskId" = t.id AND an."userId" = ${userId} OFFSET 0)
    AND t."submittedCount" + (
      SELECT count(*) FROM "Assignment" a
      WHERE a."taskId" = t.id AND a."userId" <> ${userId} AND a."expiresAt" > ${NOW_UTC}
    ) < (SELECT overlap FROM project)
    AND NOT EXISTS (SELECT 1 FROM resumable)
    AND (SELECT count(*) FROM mine) < ${MAX_ACTIVE_LEASES}::int`;
  const rows = await tx.$queryRaw<ScanRow[]>`
    WITH project AS (
      SELECT overlap, "leaseSeconds" FROM "Project" WHERE id = ${projectId}::int
    ),
    mine AS (
      SELECT a."taskId" FROM "Assignment" a JOIN "Task" t ON t.id = a."taskId"
      WHERE a."userId" = ${userId} AND a."projectId" = ${projectId}::int AND a."expiresAt" > ${NOW_UTC} AND t.status = 'OPEN'
    ),
    resumable AS (
      SELECT "taskId" FROM mine WHERE NOT ("taskId" = ANY(${excluded}::int[])) ORDER BY "taskId" LIMIT 1
    ),
    queue_cursor AS (
      SELECT coalesce((SELECT "lastTaskId" FROM "QueueCursor" WHERE "userId" = ${userId} AND "projectId" = ${projectId}::int), 0) AS "lastTaskId"
    ),
    candidates AS (
      SELECT id FROM (
        SELECT id FROM (
          SELECT t.id FROM "Task" t
          WHERE t.id > (SELECT "lastTaskId" FROM queue_cursor) AND ${isAvailable}
          ORDER BY t."projectId", t.id LIMIT ${limit}::int
          ${lock}
        ) above
        UNION ALL
        SELECT id FROM (
          SELECT t.id FROM "Task" t
          WHERE t.id <= (SELECT "lastTaskId" FROM queue_cursor) AND ${isAvailable}
          ORDER BY t."projectId", t.id LIMIT ${limit}::int
          ${lock}
        ) wrapped
      ) both_ways
      LIMIT ${limit}::int
    )
    SELECT
      (SELECT overlap FROM project) AS overlap,
      (SELECT "leaseSeconds" FROM project) AS "leaseSeconds",
      (SELECT "taskId" FROM resumable) AS "resumeTaskId",
      (SELECT count(*)::int FROM mine) AS "activeLeases",
      (SELECT array_agg(id) FROM candidates) AS "candidateIds"`;
  return rows[0];
}
