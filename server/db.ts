/** The Prisma client singleton, on the pg driver adapter (no native engine). */
import { createHash } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client';
import { env } from './env';

export type Db = PrismaClient;

const globalForDb = globalThis as unknown as { feedloopDb?: PrismaClient };

/**
 * Named prepared statements: each pooled connection parses and plans a query once instead of on
 * every call. Measured on the annotation path (bench:annotate): PostgreSQL's CPU per
 * next -> submit loop fell by two thirds. Only short queries with few parameters get a name, so
 * the statements a connection keeps stay bounded (multi-row inserts of every size are not kept).
 * Unnamed queries (an empty name) are parsed each time, as before.
 */
function nameStatement(query: { sql: string; args: unknown[] }): string {
  if (query.sql.length > 8000 || query.args.length > 64) return '';
  return `q${createHash('sha1').update(query.sql).digest('base64url')}`;
}

function createDb(): PrismaClient {
  const adapter = new PrismaPg({ connectionString: env.DATABASE_URL, max: env.DATABASE_POOL_SIZE }, { statementNameGenerator: nameStatement });
  return new PrismaClient({ adapter });
}

// One client per process, also across Next.js dev-server reloads.
export const db: PrismaClient = globalForDb.feedloopDb ?? createDb();
globalForDb.feedloopDb = db;
