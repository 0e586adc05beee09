/**
 * The worker loop: register, then claim one job at a time and run its handler while a heartbeat
 * keeps the claim alive, until told to stop.
 *
 * Stopping (SIGTERM / SIGINT): an idle worker exits at once; a busy one tells its handler to stop
 * (handlers check between steps, so the step in progress finishes), hands the job back to the queue
 * without spending an attempt, and exits. A second signal exits at once; the job is then reaped
 * like one of a dead worker.
 *
 * Heartbeats run on a timer. Training steps are synchronous TensorFlow.js work between awaits, so
 * a heartbeat can be late by one step, never by a stage: the stale limit (30 s by default) is many
 * steps long.
 */
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { claimJob, finishJob, heartbeatJob, reapStaleJobs, releaseJob, syncRunsWithJobs, type ClaimedJob, type JobProgress } from '../../server/jobs/queue';
import { JOB_KINDS, type JobKind } from '../../server/jobs/contracts';
import { startDueRounds } from '../../server/jobs/rounds';
import type { WorkerDb } from '../db';
import { JobStoppedError, type JobContext, type JobHandlers, type StopReason } from './job-context';

export type WorkerOptions = {
  db: WorkerDb;
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

  const done = (async () => {
    const { db } = options;
    await db.worker.create({ data: { id, hostname: os.hostname(), pid: process.pid, backend: options.backend, version: options.version } });
    log(`ready (id ${id.slice(0, 8)}, backend ${options.backend}, kinds ${kinds.join(', ')})`);
    let lastBeat = 0;
    try {
      while (!stopping) {
        if (Date.now() - lastBeat > options.heartbeatMs) {
          lastBeat = Date.now();
          await db.worker.update({ where: { id }, data: { heartbeatAt: new Date(), currentJobId: null } });
          for (const due of await startDueRounds(db)) log(`scheduled round started for project ${due.projectId} (${due.trigger}): run ${due.runId}`);
          for (const reaped of await reapStaleJobs(db, { staleSeconds: options.staleSeconds })) {
            log(`job ${reaped.id} (${reaped.kind}) lost its worker: ${reaped.status === 'QUEUED' ? 'queued again' : reaped.status.toLowerCase()}`);
          }
        }
        const job = await claimJob(db, { workerId: id, kinds });
        if (!job) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, options.pollMs);
          });
          wake = null;
          continue;
        }
        await runJob(job);
      }
    } finally {
      await db.worker.update({ where: { id }, data: { stoppedAt: new Date(), currentJobId: null } }).catch(() => {});
    }
  })();

  async function runJob(job: ClaimedJob): Promise<void> {
    const { db } = options;
    const handler = options.handlers[job.kind];
    const controller = new AbortController();
    let reason: StopReason | null = null;
    let progress: JobProgress | undefined;
    const abort = (why: StopReason) => {
      reason ??= why;
      controller.abort(new JobStoppedError(why));
    };
    current = { abort };
    if (stopping) abort('shutdown');
    log(`job ${job.id} (${job.kind}) started, attempt ${job.attempts} of ${job.maxAttempts}`);

    let beating: Promise<void> = Promise.resolve();
    const beat = async () => {
      const state = await heartbeatJob(db, { jobId: job.id, workerId: id, progress });
      if (!state.held) abort('lost');
      else if (state.cancelRequested) abort('cancel');
      await db.worker.update({ where: { id }, data: { heartbeatAt: new Date(), currentJobId: job.id } });
    };
    const timer = setInterval(() => {
      beating = beating.then(beat).catch((error: unknown) => log(`heartbeat failed: ${error instanceof Error ? error.message : String(error)}`));
    }, options.heartbeatMs);

    const context: JobContext = {
      job,
      db,
      workerId: id,
      dataDir: options.dataDir,
      report: (p) => (progress = p),
      stopReason: () => reason,
      throwIfStopped: () => {
        if (reason) throw new JobStoppedError(reason);
      },
      signal: controller.signal,
      log: (line) => log(`job ${job.id}: ${line}`),
    };

    try {
      if (!handler) throw new Error(`No handler for job kind ${job.kind}`);
      const result = await handler(context);
      clearInterval(timer);
      await beating;
      await finishJob(db, { jobId: job.id, workerId: id, status: 'SUCCEEDED', result: result ?? null });
      log(`job ${job.id} succeeded`);
    } catch (error) {
      clearInterval(timer);
      await beating;
      const stopped = reason ?? (error instanceof JobStoppedError ? error.reason : null);
      if (stopped === 'shutdown' && (await releaseJob(db, { jobId: job.id, workerId: id }))) {
        log(`job ${job.id} handed back to the queue`);
      } else if (stopped === 'shutdown' || stopped === 'cancel') {
        await finishJob(db, { jobId: job.id, workerId: id, status: 'CANCELLED', error: 'Cancelled by an admin' });
        log(`job ${job.id} cancelled`);
      } else if (stopped === 'lost') {
        log(`job ${job.id} was taken back; its result is dropped`);
      } else {
        const message = error instanceof Error ? error.message : String(error);
        await finishJob(db, { jobId: job.id, workerId: id, status: 'FAILED', error: message.slice(0, 2000) });
        log(`job ${job.id} failed: ${message}`);
        if (!(error instanceof Error && error.name === 'JobInputError')) console.error(error);
      }
    } finally {
      current = null;
      await syncRunsWithJobs(db, [job.id]);
    }
  }

  return { id, stop, done };
}
