/**
 * The worker loop: register, then claim one job at a time and run its handler while a heartbeat
 * keeps the claim alive, until told to stop.
 *
 * Stopping (SIGTERM / SIGINT): an idle worker exits at once; a busy one tells its handler to stop
 * (handlers check between steps, so the step in progress finishes), hands the job back to the queue
 * without spending an attempt, and exits. A second signal exits at once; the job is then reaped
 * like one of a dead worker.
 *
 * Heartbeats run on a thread of their own (heartbeat-thread.mjs): training and sampling are
 * synchronous TensorFlow.js work between microtask awaits, which would starve a timer here.
 *
 * A database that goes away (restarted, killed, a network cut) does not end the worker: every
 * database call of the idle loop is caught, the outage is logged once, and the loop tries again
 * with a growing pause (up to DB_RETRY_MAX_MS) until the database answers, then says it is back.
 * Prisma's pool drops dead connections and opens new ones by itself. The writes that end a job are
 * retried the same way (they are conditioned on this worker still holding the job, so a retry of a
 * write that did land changes nothing); a job whose handler failed because the database vanished
 * under it ends FAILED with that error, or is reaped and retried if the database stays away.
 */
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';
import { claimJob, finishJob, reapStaleJobs, releaseJob, syncRunsWithJobs, type ClaimedJob } from '../../server/jobs/queue';
import { JOB_KINDS, type JobKind } from '../../server/jobs/contracts';
import { startDueRounds } from '../../server/jobs/rounds';
import type { WorkerDb } from '../db';
import { JobStoppedError, type JobContext, type JobHandlers, type StopReason } from './job-context';

const HEARTBEAT_THREAD = path.join(__dirname, 'heartbeat-thread.mjs');
/** How often an idle worker looks for scheduled rounds that are due. */
const SCHEDULE_CHECK_MS = 10_000;
/** A main thread silent this long (no progress report) is taken for hung: its heartbeat stops. */
const HUNG_AFTER_MS = 15 * 60 * 1000;
/** Pauses between tries while the database is unreachable: doubling from the first to the last. */
const DB_RETRY_FIRST_MS = 250;
const DB_RETRY_MAX_MS = 5000;
/** How long the writes that end a job are retried before the job is left to the reaper. */
const WRITE_RETRY_LIMIT_MS = 2 * 60 * 1000;

export type WorkerOptions = {
  db: WorkerDb;
  databaseUrl: string;
  handlers: JobHandlers;
  dataDir: string;
  backend: string;
  version: string;
  heartbeatMs: number;
  staleSeconds: number;
  pollMs: number;
  kinds?: JobKind[];
  log?: (line: string) => void;
};

export type RunningWorker = { id: string; stop: () => void; done: Promise<void> };

export function startWorker(options: WorkerOptions): RunningWorker {
  const id = randomUUID();
  const log = options.log ?? ((line: string) => console.log(`[worker] ${line}`));
  const kinds = (options.kinds ?? [...JOB_KINDS]).filter((k) => options.handlers[k]);
  let stopping = false;
  let wake: (() => void) | null = null;
  let current: { abort: (reason: StopReason) => void } | null = null;

  const stop = () => {
    if (stopping) return;
    stopping = true;
    log(current ? 'stopping after the current step ...' : 'stopping');
    current?.abort('shutdown');
    wake?.();
  };

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, ms);
    }).then(() => {
      wake = null;
    });

  // The database's state as the worker last saw it: an outage is logged when it starts and ends.
  let outageSince: number | null = null;
  let retryMs = DB_RETRY_FIRST_MS;
  const noteDatabaseError = (error: unknown) => {
    if (outageSince === null) {
      outageSince = Date.now();
      log(`database call failed (${error instanceof Error ? error.message.trim().split('\n').at(-1) : String(error)}); retrying with a growing pause until it answers`);
    }
  };
  const noteDatabaseOk = () => {
    if (outageSince !== null) log(`database answering again after ${((Date.now() - outageSince) / 1000).toFixed(1)} s`);
    outageSince = null;
    retryMs = DB_RETRY_FIRST_MS;
  };
  /**
   * Runs a database write until it succeeds. Bounded (WRITE_RETRY_LIMIT_MS), so a write that fails
   * for another reason than an outage is not retried forever; the worker stopping also ends it.
   */
  const untilDone = async <T>(write: () => Promise<T>): Promise<T> => {
    const deadline = Date.now() + WRITE_RETRY_LIMIT_MS;
    for (;;) {
      try {
        const result = await write();
        noteDatabaseOk();
        return result;
      } catch (error) {
        if ((stopping && outageSince !== null) || Date.now() > deadline) throw error;
        noteDatabaseError(error);
        await pause(retryMs);
        retryMs = Math.min(retryMs * 2, DB_RETRY_MAX_MS);
      }
    }
  };

  const done = (async () => {
    const { db } = options;
    // An upsert: a retried registration whose first try did land must not fail on the id.
    const registration = { hostname: os.hostname(), pid: process.pid, backend: options.backend, version: options.version };
    await untilDone(() => db.worker.upsert({ where: { id }, create: { id, ...registration }, update: { heartbeatAt: new Date() }, select: { id: true } }));
    log(`ready (id ${id.slice(0, 8)}, backend ${options.backend}, kinds ${kinds.join(', ')})`);
    let lastBeat = 0;
    let lastScheduleCheck = 0;
    try {
      while (!stopping) {
        try {
          await pollOnce();
          noteDatabaseOk();
        } catch (error) {
          noteDatabaseError(error);
          await pause(retryMs);
          retryMs = Math.min(retryMs * 2, DB_RETRY_MAX_MS);
        }
      }
    } finally {
      await db.worker.update({ where: { id }, data: { stoppedAt: new Date(), currentJobId: null } }).catch(() => {});
    }

    /** One turn of the idle loop: heartbeat (with schedules and reaping) when due, then claim and run a job or wait. */
    async function pollOnce() {
      if (Date.now() - lastBeat > options.heartbeatMs) {
        lastBeat = Date.now();
        await db.worker.update({ where: { id }, data: { heartbeatAt: new Date(), currentJobId: null } });
        // Schedules are minutes apart: checking every few heartbeats is plenty.
        const isScheduleDue = Date.now() - lastScheduleCheck > SCHEDULE_CHECK_MS;
        if (isScheduleDue) lastScheduleCheck = Date.now();
        for (const due of isScheduleDue ? await startDueRounds(db) : []) log(`scheduled round started for project ${due.projectId} (${due.trigger}): run ${due.runId}`);
        for (const reaped of await reapStaleJobs(db, { staleSeconds: options.staleSeconds })) {
          log(`job ${reaped.id} (${reaped.kind}) lost its worker: ${reaped.status === 'QUEUED' ? 'queued again' : reaped.status.toLowerCase()}`);
        }
      }
      const job = await claimJob(db, { workerId: id, kinds });
      if (job) await runJob(job);
      else await pause(options.pollMs);
    }
  })();

  async function runJob(job: ClaimedJob): Promise<void> {
    const { db } = options;
    const handler = options.handlers[job.kind];
    const controller = new AbortController();
    let reason: StopReason | null = null;
    const abort = (why: StopReason) => {
      reason ??= why;
      controller.abort(new JobStoppedError(why));
    };
    current = { abort };
    if (stopping) abort('shutdown');
    log(`job ${job.id} (${job.kind}) started, attempt ${job.attempts} of ${job.maxAttempts}`);

    // Heartbeats run on their own thread (see heartbeat-thread.mjs); the flags come back through shared memory.
    const flags = new Int32Array(new SharedArrayBuffer(8));
    const heartbeat = new Worker(HEARTBEAT_THREAD, {
      workerData: { databaseUrl: options.databaseUrl, jobId: job.id, workerId: id, intervalMs: options.heartbeatMs, silenceMs: HUNG_AFTER_MS, flags },
    });
    const heartbeatDone = new Promise<void>((resolve) => heartbeat.once('exit', () => resolve()));
    heartbeat.on('error', (error) => log(`heartbeat thread failed: ${error.message}`));
    const readFlags = () => {
      if (Atomics.load(flags, 1)) abort('lost');
      else if (Atomics.load(flags, 0)) abort('cancel');
    };
    // While the handler awaits real I/O (an endpoint, the database) the flags are read here too, so
    // a cancel aborts a fetch without waiting for the handler's next check.
    const flagTimer = setInterval(readFlags, options.heartbeatMs);
    const stopHeartbeat = async () => {
      clearInterval(flagTimer);
      heartbeat.postMessage({ stop: true });
      await heartbeatDone;
    };

    const context: JobContext = {
      job,
      db,
      workerId: id,
      dataDir: options.dataDir,
      report: (p) => heartbeat.postMessage({ progress: p }),
      stopReason: () => {
        readFlags();
        return reason;
      },
      throwIfStopped: () => {
        readFlags();
        if (reason) throw new JobStoppedError(reason);
      },
      signal: controller.signal,
      log: (line) => log(`job ${job.id}: ${line}`),
    };

    try {
      if (!handler) throw new Error(`No handler for job kind ${job.kind}`);
      const result = await handler(context);
      await stopHeartbeat();
      if (await untilDone(() => finishJob(db, { jobId: job.id, workerId: id, status: 'SUCCEEDED', result: result ?? null }))) log(`job ${job.id} succeeded`);
      else log(`job ${job.id} was taken back from this worker before it finished; its result is dropped`);
    } catch (error) {
      await stopHeartbeat();
      const stopped = reason ?? (error instanceof JobStoppedError ? error.reason : null);
      if (stopped === 'shutdown' && (await untilDone(() => releaseJob(db, { jobId: job.id, workerId: id })))) {
        log(`job ${job.id} handed back to the queue`);
      } else if (stopped === 'shutdown' || stopped === 'cancel') {
        await untilDone(() => finishJob(db, { jobId: job.id, workerId: id, status: 'CANCELLED', error: 'Cancelled by an admin' }));
        log(`job ${job.id} cancelled`);
      } else if (stopped === 'lost') {
        log(`job ${job.id} was taken back; its result is dropped`);
      } else {
        const message = error instanceof Error ? error.message : String(error);
        await untilDone(() => finishJob(db, { jobId: job.id, workerId: id, status: 'FAILED', error: message.slice(0, 2000) }));
        log(`job ${job.id} failed: ${message}`);
        if (!(error instanceof Error && error.name === 'JobInputError')) console.error(error);
      }
    } finally {
      current = null;
      await untilDone(() => syncRunsWithJobs(db, [job.id]));
    }
  }

  return { id, stop, done };
}
