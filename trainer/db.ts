/**
 * The worker's Prisma client: the same generated client as the web app, on its own small pool
 * (a worker runs one job at a time). It reads DATABASE_URL from the trainer's validated env, not
 * from server/env.ts, which also demands the web process's secrets.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../server/generated/prisma/client';

export type WorkerDb = PrismaClient;

export function createWorkerDb(databaseUrl: string): WorkerDb {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: 4 }) });
}
