/**
 * Leasing one of the candidate tasks that find-next-task has locked.
 *
 * This runs as the second statement of the claiming transaction, on purpose: in READ COMMITTED
 * every statement takes a fresh snapshot, and this one starts after the candidate rows are
 * locked. Whoever leased or submitted one of them before has committed by then (they held the
 * same row lock), so the lease count below is exact. Counting in the locking statement itself
 * would use a snapshot taken before the lock was granted and could miss a lease committed in
 * between: two annotators could then both take the last slot of a task.
 */
import type { Prisma } from '../generated/prisma/client';
import { NOW_UTC, TASK_VIEW_COLUMNS, toTaskView, type TaskView, type TaskViewRow } from './task-view';

type Tx = Prisma.TransactionClient;

export async function leaseCandidateTask(
  tx: Tx,
  options: { userId: string; projectId: number; candidateIds: number[]; overlap: number; leaseSeconds: number },
): Promise<TaskView | null> {
  const { userId, projectId, candidateIds, overlap, leaseSeconds } = options;
  const rows = await tx.$queryRaw<TaskViewRow[]>`
    WITH pick AS (
      SELECT t.id FROM "Task" t
      WHERE t.id = ANY(${candidateIds}::int[])
        AND t.status = 'OPEN'
        AND NOT EXISTS (SELECT 1 FROM "Annotation" an WHERE an."taskId" = t.id AND an."userId" = ${userId})
        AND t."submittedCount" + (
          SELECT count(*) FROM "Assignment" a
          WHERE a."taskId" = t.id AND a."userId" <> ${userId} AND a."expiresAt" > ${NOW_UTC}
        ) < ${overlap}::int
      ORDER BY array_position(${candidateIds}::int[], t.id)
      LIMIT 1
    ),
    lease AS (
      INSERT INTO "Assignment" ("taskId", "projectId", "userId", "leasedAt", "expiresAt")
      SELECT pick.id, ${projectId}::int, ${userId}, ${NOW_UTC}, ${NOW_UTC} + make_interval(secs => ${leaseSeconds}::int)
      FROM pick
      ON CONFLICT ("taskId", "userId") DO UPDATE SET "leasedAt" = excluded."leasedAt", "expiresAt" = excluded."expiresAt"
      RETURNING "taskId", "expiresAt"
    ),
    moved AS (
      INSERT INTO "QueueCursor" ("userId", "projectId", "lastTaskId", "updatedAt")
      SELECT ${userId}, ${projectId}::int, pick.id, ${NOW_UTC} FROM pick
      ON CONFLICT ("userId", "projectId") DO UPDATE SET "lastTaskId" = excluded."lastTaskId", "updatedAt" = excluded."updatedAt"
    )
    SELECT ${TASK_VIEW_COLUMNS}
    FROM lease l
    JOIN "Task" t ON t.id = l."taskId"
    JOIN "Prompt" pr ON pr.id = t."promptId"`;
  return rows[0] ? toTaskView(rows[0]) : null;
}

/** Extends a lease the annotator already holds and returns the task. */
export async function renewLease(tx: Tx, options: { userId: string; taskId: number; leaseSeconds: number }): Promise<TaskView | null> {
  const rows = await tx.$queryRaw<TaskViewRow[]>`
    WITH l AS (
      UPDATE "Assignment" SET "expiresAt" = ${NOW_UTC} + make_interval(secs => ${options.leaseSeconds}::int)
      WHERE "taskId" = ${options.taskId}::int AND "userId" = ${options.userId}
      RETURNING "taskId", "expiresAt"
    )
    SELECT ${TASK_VIEW_COLUMNS}
    FROM l
    JOIN "Task" t ON t.id = l."taskId"
    JOIN "Prompt" pr ON pr.id = t."promptId"`;
  return rows[0] ? toTaskView(rows[0]) : null;
}

export type { Tx };
