/** The Prisma client singleton, on the pg driver adapter (no native engine). */
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client';
import { env } from './env';

export type Db = PrismaClient;

const globalForDb = globalThis as unknown as { feedloopDb?: PrismaClient };

function createDb(): PrismaClient {
  const adapter = new PrismaPg({ connectionString: env.DATABASE_URL, max: env.DATABASE_POOL_SIZE });
  return new PrismaClient({ adapter });
}

// One client per process, also across Next.js dev-server reloads.
export const db: PrismaClient = globalForDb.feedloopDb ?? createDb();
globalForDb.feedloopDb = db;
