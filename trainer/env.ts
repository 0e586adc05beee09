/**
 * The trainer process's validated environment. This is the only file of the trainer that reads
 * process.env: everything else receives typed values, so a bad variable fails at start with its
 * name instead of at the first training step.
 */
import { z } from 'zod';

export const TRAINER_BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export type TrainerBackendName = (typeof TRAINER_BACKENDS)[number];

export const ZTrainerEnv = z.object({
  /** Forces one TensorFlow.js backend; unset = best available (tensorflow, then wasm, then cpu). */
  TRAINER_BACKEND: z.enum(TRAINER_BACKENDS).optional(),
  /** Where checkpoints and other artifacts live (the same directory the web process uses). */
  DATA_DIR: z.string().min(1).default('./.data/artifacts'),
  /** Optional here; the worker entry point requires it. */
  DATABASE_URL: z.string().url().optional(),
  /**
   * The web app's secret: the key of the annotator pseudonyms in exports, so a file an export job
   * writes carries the same pseudonyms as a download. Export jobs fail without it.
   */
  BETTER_AUTH_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** How often a running job reports that it is alive (and reads cancel requests). */
  WORKER_HEARTBEAT_MS: z.coerce.number().int().min(100).max(60_000).default(2000),
  /** A running job silent for this long was held by a dead worker: retried or failed. */
  WORKER_STALE_SECONDS: z.coerce.number().int().min(2).max(3600).default(30),
  /** How often an idle worker looks for a job. */
  WORKER_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  /** Comma-separated job kinds this worker takes (default: all). */
  WORKER_KINDS: z
    .string()
    .regex(/^[a-z_]+(,[a-z_]+)*$/)
    .optional(),
});
export type TrainerEnv = z.infer<typeof ZTrainerEnv>;

/** Parses an environment; throws an Error naming every invalid variable. Empty strings count as unset. */
export function parseTrainerEnv(source: Record<string, string | undefined>): TrainerEnv {
  const cleaned: Record<string, string | undefined> = {};
  for (const key of Object.keys(ZTrainerEnv.shape)) {
    const value = source[key];
    cleaned[key] = value === undefined || value.trim() === '' ? undefined : value;
  }
  const result = ZTrainerEnv.safeParse(cleaned);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid trainer environment: ${problems.join('; ')}`);
  }
  return result.data;
}

let cached: TrainerEnv | null = null;

/** The process's environment, parsed once on first use. */
export function getTrainerEnv(): TrainerEnv {
  cached ??= parseTrainerEnv(process.env);
  return cached;
}
