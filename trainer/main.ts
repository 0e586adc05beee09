/**
 * The trainer worker process: `npm run worker` (npm start runs one beside the web server).
 * Validates its environment, picks the TensorFlow.js backend, then claims jobs from PostgreSQL
 * until SIGTERM / SIGINT. Any number of workers may run against one DATABASE_URL.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { getTrainerEnv } from './env';
import { selectBackend } from './model/backend';
import { createWorkerDb } from './db';
import { startWorker } from './worker/run-worker';
import { createJobHandlers } from './jobs/handlers';
import { ZJobKind } from '../server/jobs/contracts';
import packageJson from '../package.json';

async function main() {
  const env = getTrainerEnv();
  if (!env.DATABASE_URL) throw new Error('Invalid trainer environment: DATABASE_URL: required by the worker');
  const backend = await selectBackend({ log: (line) => console.log(line) });
  const db = createWorkerDb(env.DATABASE_URL);
  const worker = startWorker({
    db,
    databaseUrl: env.DATABASE_URL,
    handlers: createJobHandlers({ databaseUrl: env.DATABASE_URL, pseudonymSecret: env.BETTER_AUTH_SECRET }),
    dataDir: path.resolve(env.DATA_DIR),
    backend: `${backend.name} (${backend.detail})`,
    version: `feedloop ${packageJson.version}, tfjs ${tf.version_core}`,
    heartbeatMs: env.WORKER_HEARTBEAT_MS,
    staleSeconds: env.WORKER_STALE_SECONDS,
    pollMs: env.WORKER_POLL_MS,
    kinds: env.WORKER_KINDS?.split(',').map((k) => ZJobKind.parse(k)),
  });
  let signals = 0;
  const onSignal = () => {
    signals += 1;
    if (signals > 1) process.exit(1); // a second signal: exit now; the job is reaped like a dead worker's
    worker.stop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  await worker.done;
  await db.$disconnect();
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error('[worker] failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
