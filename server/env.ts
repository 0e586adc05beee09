/**
 * The web process's validated environment: the only file of the web side that reads process.env.
 * A missing or malformed variable fails at start with its name, not at the first query.
 */
import { z } from 'zod';

const ZEnv = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: z
    .string()
    .url()
    .refine((url) => /^postgres(ql)?:\/\//.test(url), 'must be a postgresql:// URL'),
  /** Connections per web process; PostgreSQL's default max_connections is 100. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(20),
  /** Signs session cookies. Generate with `openssl rand -base64 32`. */
  BETTER_AUTH_SECRET: z.string().min(32, 'must be at least 32 characters'),
  /** The public URL of the web app (cookies and redirects are issued for it). */
  APP_URL: z.string().url().default('http://localhost:3000'),
  /** Where the production server listens (server/http/main.ts). */
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  /** Failed sign-ins allowed per client address per minute (successful sign-ins never count). */
  AUTH_SIGNIN_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(10),
  /** Failed sign-ins allowed per account in 15 minutes, from any address. */
  AUTH_ACCOUNT_FAILURE_LIMIT: z.coerce.number().int().min(1).default(20),
  /**
   * Peers whose X-Forwarded-For is believed: a comma-separated list of addresses or CIDR ranges of
   * your reverse proxies (e.g. "127.0.0.1,10.0.0.0/8"). Empty: the TCP peer is the client.
   */
  TRUST_PROXY: z.string().default(''),
  /** Where the trainer keeps artifacts and export jobs their files (the worker's DATA_DIR; same default). */
  DATA_DIR: z.string().min(1).default('./.data/artifacts'),
  /** Extra origins allowed to send state-changing requests, comma-separated (APP_URL's origin always is). */
  TRUSTED_ORIGINS: z.string().default(''),
});

export type Env = z.infer<typeof ZEnv>;

/**
 * `next build` evaluates route modules to collect page data, with no database and no secrets.
 * Nothing connects at build time, so placeholders stand in; the server validates the real
 * environment when it starts.
 */
const BUILD_PLACEHOLDERS = { DATABASE_URL: 'postgresql://build@127.0.0.1:1/build', BETTER_AUTH_SECRET: 'build-time-placeholder-not-a-real-secret' };

function parseEnv(): Env {
  const isBuild = process.env.NEXT_PHASE === 'phase-production-build';
  const parsed = ZEnv.safeParse(isBuild ? { ...BUILD_PLACEHOLDERS, ...process.env } : process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`).join('\n');
    throw new Error(`Invalid environment:\n${problems}`);
  }
  return parsed.data;
}

export const env: Env = parseEnv();
