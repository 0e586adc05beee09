/**
 * The job queue in PostgreSQL, shared by the web app (enqueue, cancel, list) and the trainer
 * workers (claim, heartbeat, finish, reap). Every function takes the Prisma client it runs on, so
 * neither side pulls in the other's process setup.
 *
 * The rules:
 * - claim: `FOR UPDATE SKIP LOCKED` on the oldest runnable QUEUED job of the kinds a worker takes,
 *   set to RUNNING in the same statement, so two workers never take the same job;
 * - a running job heartbeats every few seconds (from the worker's heartbeat thread,
 *   trainer/worker/heartbeat-thread.mjs); every write of its worker is conditioned on
 *   `workerId = <me> AND status = 'RUNNING'`, so a worker that lost its job can no longer touch it;
 * - reap: a RUNNING job whose heartbeat is older than the stale limit was held by a dead worker.
 *   It is queued again (after a short backoff) while attempts remain, else FAILED with the reason;
 * - cancel: a QUEUED job is CANCELLED at once; a RUNNING one gets `cancelRequested`, which its
 *   worker reads on the next heartbeat and stops within a step or two;
 * - release: a worker told to stop (SIGTERM) hands its job back without spending an attempt.
 */
import { Prisma, type PrismaClient } from '../generated/prisma/client';
import { ZJobPayload, type JobKind } from './contracts';
import type { z } from 'zod';

type Db = Pick<PrismaClient, '$queryRaw' | '$executeRaw' | 'job'>;
type Tx = Prisma.TransactionClient;

export type JobPayloadOf<K extends JobKind> = z.infer<(typeof ZJobPayload)[K]>;

export type ClaimedJob = { id: number; kind: JobKind; payload: unknown; attempts: number; maxAttempts: number; projectId: number | null };

export type JobProgress = { stage?: string; step?: number; total?: number; etaSeconds?: number | null; message?: string };

const NOW = Prisma.sql`(now() AT TIME ZONE 'UTC')`;

/** Seconds without a heartbeat after which a running job is taken back from its worker. */
export const DEFAULT_STALE_SECONDS = 30;

/** Queues a job; the payload is validated against its kind's schema first. Works inside a transaction. */
export async function enqueueJob<K extends JobKind>(
  db: Db | Tx,
  options: { kind: K; payload: z.input<(typeof ZJobPayload)[K]>; projectId?: number | null; createdById?: string | null; maxAttempts?: number },
): Promise<{ id: number }> {
  const payload = ZJobPayload[options.kind].parse(options.payload) as Prisma.InputJsonValue;
  return db.job.create({
    data: { kind: options.kind, payload, projectId: options.projectId ?? null, createdById: options.createdById ?? null, maxAttempts: options.maxAttempts ?? 2 },
    select: { id: true },
  });
}

/** Claims the oldest runnable job of the given kinds for `workerId`, or null when there is none. */
export async function claimJob(db: Db, options: { workerId: string; kinds: readonly JobKind[] }): Promise<ClaimedJob | null> {
  const rows = await db.$queryRaw<ClaimedJob[]>`
    UPDATE "Job" j SET status = 'RUNNING', "workerId" = ${options.workerId}, "heartbeatAt" = ${NOW},
      "startedAt" = coalesce(j."startedAt", ${NOW}), attempts = j.attempts + 1, progress = NULL
    WHERE j.id = (
      SELECT id FROM "Job"
      WHERE status = 'QUEUED' AND "runAfter" <= ${NOW} AND kind = ANY(${[...options.kinds]}::text[])
      ORDER BY id
      LIMIT 1
      FOR UPDATE SKIP LOCKED
    )
    RETURNING j.id, j.kind, j.payload, j.attempts, j."maxAttempts", j."projectId"`;
  return rows[0] ?? null;
}

/**
 * Inside a transaction that publishes a job's results: locks the job row and checks this worker
 * still holds it, so a worker whose job was reaped (and maybe retried elsewhere) writes nothing.
 */
export async function isJobStillHeld(tx: Tx, options: { jobId: number; workerId: string }): Promise<boolean> {
  const rows = await tx.$queryRaw<{ id: number }[]>`
    SELECT id FROM "Job" WHERE id = ${options.jobId} AND "workerId" = ${options.workerId} AND status = 'RUNNING' FOR UPDATE`;
  return rows.length > 0;
}

/** Ends a job this worker holds. Returns false when it no longer held it (nothing written). */
export async function finishJob(db: Db | Tx, options: { jobId: number; workerId: string; status: 'SUCCEEDED' | 'FAILED' | 'CANCELLED'; result?: unknown; error?: string | null }): Promise<boolean> {
  const result = options.result === undefined ? Prisma.sql`result` : Prisma.sql`${JSON.stringify(options.result)}::jsonb`;
  const count = await db.$executeRaw`
    UPDATE "Job" SET status = ${options.status}::"JobStatus", result = ${result}, error = ${options.error ?? null},
      "finishedAt" = ${NOW}, "heartbeatAt" = ${NOW}
    WHERE id = ${options.jobId} AND "workerId" = ${options.workerId} AND status = 'RUNNING'`;
  return count > 0;
}

/** Hands a job back to the queue without spending an attempt (the worker is shutting down). */
export async function releaseJob(db: Db, options: { jobId: number; workerId: string }): Promise<boolean> {
  const count = await db.$executeRaw`
    UPDATE "Job" SET status = 'QUEUED', "workerId" = NULL, attempts = greatest(attempts - 1, 0), progress = NULL
    WHERE id = ${options.jobId} AND "workerId" = ${options.workerId} AND status = 'RUNNING' AND NOT "cancelRequested"`;
  return count > 0;
}

export type ReapedJob = { id: number; kind: string; status: 'QUEUED' | 'FAILED'; error: string | null };

/**
 * Takes back running jobs whose worker stopped heartbeating: queued again after a short backoff
 * while attempts remain, else FAILED (a cancel that was asked becomes CANCELLED). Any worker may
 * call it; the row lock makes it safe to run concurrently.
 */
export async function reapStaleJobs(db: Db, options: { staleSeconds?: number } = {}): Promise<ReapedJob[]> {
  const stale = options.staleSeconds ?? DEFAULT_STALE_SECONDS;
  const lost = `its worker stopped responding (no heartbeat for ${stale} s)`;
  const reaped = await db.$queryRaw<ReapedJob[]>`
    UPDATE "Job" j SET
      status = CASE WHEN j."cancelRequested" THEN 'CANCELLED'::"JobStatus"
                    WHEN j.attempts < j."maxAttempts" THEN 'QUEUED'::"JobStatus"
                    ELSE 'FAILED'::"JobStatus" END,
      error = CASE WHEN j."cancelRequested" THEN 'Cancelled; ' || ${lost}
                   WHEN j.attempts < j."maxAttempts" THEN NULL
                   ELSE 'Failed after ' || j.attempts || ' attempt(s): ' || ${lost} END,
      "workerId" = NULL,
      "runAfter" = ${NOW} + interval '2 seconds',
      "finishedAt" = CASE WHEN j.attempts < j."maxAttempts" AND NOT j."cancelRequested" THEN NULL ELSE ${NOW} END
    WHERE j.id IN (
      SELECT id FROM "Job" WHERE status = 'RUNNING' AND "heartbeatAt" < ${NOW} - make_interval(secs => ${stale})
      FOR UPDATE SKIP LOCKED
    )
    RETURNING j.id, j.kind, j.status::text AS status, j.error`;
  if (reaped.length > 0)
    await syncRunsWithJobs(
      db,
      reaped.map((j) => j.id),
    );
  return reaped;
}

/**
 * A training round's run row follows its job's status (queued again, failed, cancelled), whatever
 * ended the job: its handler, the reaper, or a shutdown. Succeeded runs are settled by their handler
 * in the same transaction that registers their models.
 */
export async function syncRunsWithJobs(db: Db, jobIds: number[]): Promise<void> {
  await db.$executeRaw`
    UPDATE "TrainingRun" r SET status = j.status, error = CASE WHEN j.status = 'QUEUED' THEN NULL ELSE j.error END,
      "finishedAt" = CASE WHEN j.status IN ('FAILED', 'CANCELLED') THEN j."finishedAt" ELSE NULL END
    FROM "Job" j
    WHERE r."jobId" = j.id AND j.id = ANY(${jobIds}::int[]) AND j.status <> 'RUNNING' AND r.status <> 'SUCCEEDED'`;
}

/** Cancels a job: at once when queued, by request when running. Returns the status it now has. */
export async function requestCancel(db: Db, jobId: number): Promise<'CANCELLED' | 'CANCELLING' | 'FINISHED' | 'MISSING'> {
  const rows = await db.$queryRaw<{ status: string }[]>`
    UPDATE "Job" SET
      "cancelRequested" = true,
      status = CASE WHEN status = 'QUEUED' THEN 'CANCELLED'::"JobStatus" ELSE status END,
      "finishedAt" = CASE WHEN status = 'QUEUED' THEN ${NOW} ELSE "finishedAt" END,
      error = CASE WHEN status = 'QUEUED' THEN 'Cancelled before it started' ELSE error END
    WHERE id = ${jobId} AND status IN ('QUEUED', 'RUNNING')
    RETURNING status::text AS status`;
  if (rows[0]?.status === 'CANCELLED') await syncRunsWithJobs(db, [jobId]);
  if (rows[0]) return rows[0].status === 'CANCELLED' ? 'CANCELLED' : 'CANCELLING';
  const job = await db.job.findUnique({ where: { id: jobId }, select: { id: true } });
  return job ? 'FINISHED' : 'MISSING';
}
