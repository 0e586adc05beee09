/**
 * `npm start`: the whole product on one machine.
 *
 * With no DATABASE_URL it starts an embedded PostgreSQL (data under ./.data/postgres, kept across
 * restarts); then it applies migrations, seeds the demo (once), builds the web app when the build is
 * missing or older than the sources, and serves it. `--dev` serves Next in development mode (no build) behind the
 * same server.
 *
 * The embedded PostgreSQL is supervised (scripts/supervise-postgres.ts): killed or crashed, it is
 * started again on the same port and data directory, and the web server's pool and the worker
 * reconnect by themselves. If it cannot be restarted, the web server and the worker are stopped
 * and npm start exits non-zero with the reason, rather than serve 500s until someone notices.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { startEmbeddedPostgres, findFreePort } from './embedded-postgres';
import { supervisePostgres } from './supervise-postgres';
import { applyMigrations } from '../prisma/migrate';
import { buildIfStale, startWebServer } from './web-server';

const root = path.resolve(__dirname, '..');
const dataDir = path.join(root, '.data');
const isDev = process.argv.includes('--dev');
const port = Number(process.env.PORT ?? 3000);

function log(message: string) {
  console.log(`[feedloop] ${message}`);
}

/** A secret generated on first start and kept in .data, unless the environment provides one. */
function ensureAuthSecret(): string {
  if (process.env.BETTER_AUTH_SECRET) return process.env.BETTER_AUTH_SECRET;
  const file = path.join(dataDir, 'auth-secret');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600 });
  }
  return fs.readFileSync(file, 'utf8').trim();
}

type Database = { url: string; stop: () => Promise<void>; stopWatching: () => void };

/** `onGiveUp`: the embedded server died and could not be restarted (never called for DATABASE_URL). */
async function ensureDatabase(onGiveUp: (reason: string) => void): Promise<Database> {
  if (process.env.DATABASE_URL) {
    log('using the PostgreSQL at DATABASE_URL');
    return { url: process.env.DATABASE_URL, stop: async () => {}, stopWatching: () => {} };
  }
  const preferred = Number(process.env.FEEDLOOP_PG_PORT ?? 54329);
  const pgPort = (await isPortFree(preferred)) ? preferred : await findFreePort();
  const started = Date.now();
  const db = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), port: pgPort, database: 'feedloop', unixSocket: true });
  log(`embedded PostgreSQL on port ${pgPort} (data in .data/postgres, ready in ${Date.now() - started} ms)`);
  const supervisor = supervisePostgres({ database: db, log, onGiveUp });
  return { url: db.socketUrl, stop: db.stop, stopWatching: supervisor.stopWatching };
}

async function isPortFree(candidate: number): Promise<boolean> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(candidate, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Shows that the built-in base model is there and answers: one greedy answer, sampled in a child
 * process (the trainer's TensorFlow.js stays out of this supervisor) after the app is up.
 */
function showBaseModel() {
  const config = path.join(root, 'trainer/assets/base-model/config.json');
  if (!fs.existsSync(config)) {
    log('built-in base model missing: run `npm run model:pretrain` to train it');
    return;
  }
  const tsxCli = path.join(root, 'node_modules/tsx/dist/cli.mjs');
  const child = spawn(process.execPath, [tsxCli, path.join(root, 'trainer/scripts/sample.ts'), 'What is 47 + 38?'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.on('exit', (code) => {
    const answer = output.split('\n').find((line) => line.startsWith('A: '));
    if (code === 0 && answer) log(`built-in base model (trainer/assets/base-model), asked "What is 47 + 38?": ${answer.slice(3)}  — more: npm run model:sample`);
    else log('built-in base model: trainer/assets/base-model (try `npm run model:sample`)');
  });
}

/**
 * One trainer worker beside the web server (more: `npm run worker`, anywhere, same DATABASE_URL).
 * If it dies it is restarted after a pause; the job it held is retried by the queue's reaper.
 * stop() sends SIGTERM: the worker finishes its training step and hands its job back to the queue.
 */
function startWorker(): { stop: (graceMs: number) => Promise<void> } {
  let stopping = false;
  const launch = (): ChildProcess => {
    // `node --import tsx` keeps the worker one process (the tsx CLI would add a grandchild).
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'trainer/main.ts')], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, DATA_DIR: process.env.DATA_DIR ?? path.join(dataDir, 'artifacts') },
    });
    child.on('exit', (code, signal) => {
      if (stopping) return;
      log(`the trainer worker stopped (${signal ?? `exit ${code}`}); restarting it in 5 s`);
      setTimeout(() => {
        if (!stopping) current = launch();
      }, 5000);
    });
    return child;
  };
  let current = launch();
  return {
    stop: async (graceMs) => {
      stopping = true;
      const child = current;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function main() {
  // Until the web server and the worker run, giving up on the database just exits.
  let onDatabaseLost = (reason: string): void => {
    console.error(`[feedloop] ${reason}`);
    process.exit(1);
  };
  const database = await ensureDatabase((reason) => onDatabaseLost(reason));
  process.env.DATABASE_URL = database.url;
  process.env.BETTER_AUTH_SECRET = ensureAuthSecret();
  process.env.APP_URL ??= `http://localhost:${port}`;

  const applied = await applyMigrations(database.url);
  log(applied.length ? `applied ${applied.length} migration(s)` : 'database schema is up to date');

  // Imported only now: the server modules validate the environment set above when they load.
  const { db } = await import('../server/db');
  const { seedDemo } = await import('../prisma/seed');
  const { DEMO_REVIEWER } = await import('../prisma/seed-gold-review');
  const demo = await seedDemo(db);
  await db.$disconnect();

  // Development serves Next in dev mode behind the same HTTP edge as production (server/http).
  if (!isDev) buildIfStale({ log });
  const web: ChildProcess = (await startWebServer({ port, host: process.env.HOST ?? '0.0.0.0', timeoutMs: isDev ? 300_000 : 120_000, dev: isDev })).process;

  const worker = startWorker();

  console.log('');
  log(`Feedloop is running at ${process.env.APP_URL}`);
  log(`  admin:      ${demo.admin.email} / ${demo.admin.password}`);
  for (const annotator of demo.annotators) log(`  annotator:  ${annotator.email} / ${annotator.password}`);
  log(`  reviewer:   ${DEMO_REVIEWER.email} / ${DEMO_REVIEWER.password}`);
  log('Press Ctrl+C to stop.');
  showBaseModel();

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    // A server stopping now is stopping on purpose (Ctrl+C also reaches it directly): no restart.
    database.stopWatching();
    web.kill('SIGTERM');
    // The worker finishes its current training step and hands its job back to the queue.
    await worker.stop(30_000);
    await database.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  web.on('exit', (code) => void stop(code ?? 0));
  onDatabaseLost = (reason) => {
    console.error(`[feedloop] ${reason}`);
    console.error('[feedloop] stopping the web server and the worker: without its database the app cannot work');
    void stop(1);
  };
}

main().catch((error: unknown) => {
  console.error('[feedloop] failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
