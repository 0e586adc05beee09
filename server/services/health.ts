/**
 * What GET /api/health reports: whether the database answers, and how the trainer workers and the
 * job queue stand, for load balancers, uptime checks and an operator's `curl`.
 *
 * Why it is built this way:
 * - every database call is time-boxed (2 s), so a probe gets an answer quickly even when
 *   PostgreSQL hangs; an unreachable database is 503 (this process cannot serve anything), while
 *   no live worker is still 200 (annotation works; only jobs wait) and is visible in the counts;
 * - two cheap queries: `SELECT 1`, then one statement of three counts. A worker is live when its
 *   heartbeat is within the queue's stale limit (server/jobs/queue.ts, the limit after which its job
 *   would be taken back), and busy when live and holding a job;
 * - no authentication, so nothing identifying: counts only, no ids, hostnames, URLs or errors.
 */
import { Prisma } from '../generated/prisma/client';
import { db } from '../db';
import { DEFAULT_STALE_SECONDS } from '../jobs/queue';

/** A load balancer's probe should get an answer in seconds even when PostgreSQL hangs. */
const DATABASE_TIMEOUT_MS = 2000;

export type HealthBody = { status: 'ok'; database: 'ok'; workers: { live: number; busy: number }; queue: { queued: number } } | { status: 'unavailable'; database: 'unreachable' };

type Counts = { live: number; busy: number; queued: number };

/** Resolves with the query's value, or null when it fails or takes longer than the time box. */
async function withinTimeBox<T>(query: Promise<T>): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), DATABASE_TIMEOUT_MS);
  });
  const answered = query.then(
    (value) => value,
    () => null,
  );
  const result = await Promise.race([answered, timedOut]);
  clearTimeout(timer);
  return result;
}

export async function readHealth(): Promise<{ httpStatus: number; body: HealthBody }> {
  const isUp = await withinTimeBox(db.$queryRaw`SELECT 1`.then(() => true));
  const rows = isUp
    ? await withinTimeBox(
        db.$queryRaw<Counts[]>(Prisma.sql`
          SELECT
            count(*)::int AS live,
            count(*) FILTER (WHERE w."currentJobId" IS NOT NULL)::int AS busy,
            (SELECT count(*) FROM "Job" WHERE status = 'QUEUED')::int AS queued
          FROM "Worker" w
          WHERE w."stoppedAt" IS NULL AND w."heartbeatAt" >= (now() AT TIME ZONE 'UTC') - make_interval(secs => ${DEFAULT_STALE_SECONDS})`),
      )
    : null;
  const counts = rows?.[0];
  if (!counts) return { httpStatus: 503, body: { status: 'unavailable', database: 'unreachable' } };
  return { httpStatus: 200, body: { status: 'ok', database: 'ok', workers: { live: counts.live, busy: counts.busy }, queue: { queued: counts.queued } } };
}
