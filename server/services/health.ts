/** What GET /api/health reports: whether the database answers, within a time box. */
import { db } from '../db';

/** A load balancer's probe should get an answer in seconds even when PostgreSQL hangs. */
const DATABASE_TIMEOUT_MS = 2000;

export async function readHealth(): Promise<{ httpStatus: number; body: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), DATABASE_TIMEOUT_MS);
  });
  const answered = db.$queryRaw`SELECT 1`.then(
    () => true,
    () => false,
  );
  const isUp = await Promise.race([answered, timedOut]);
  clearTimeout(timer);
  return isUp ? { httpStatus: 200, body: { database: 'ok' } } : { httpStatus: 503, body: { database: 'unreachable' } };
}
