/**
 * What a job handler gets from the worker: its claimed job, the database, where artifacts go, a
 * way to report progress, and the stop signal (cancel asked, job lost, or worker shutting down).
 */
import type { ClaimedJob, JobProgress } from '../../server/jobs/queue';
import type { JobKind } from '../../server/jobs/contracts';
import type { WorkerDb } from '../db';

export type StopReason = 'cancel' | 'shutdown' | 'lost';

/** Thrown by a handler (through throwIfStopped) when the worker tells it to stop. */
export class JobStoppedError extends Error {
  constructor(readonly reason: StopReason) {
    super(reason === 'cancel' ? 'Cancelled by an admin' : reason === 'shutdown' ? 'The worker is shutting down' : 'The job was taken back from this worker');
    this.name = 'JobStoppedError';
  }
}

/** An error whose message is meant for the admin as it is (bad input, too little data, a failing endpoint). */
export class JobInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobInputError';
  }
}

export type JobContext = {
  job: ClaimedJob;
  db: WorkerDb;
  workerId: string;
  /** Root of the artifact store (DATA_DIR). */
  dataDir: string;
  /** Stores progress; the next heartbeat writes it (no database call per training step). */
  report: (progress: JobProgress) => void;
  /** Why the job must stop, or null to go on. */
  stopReason: () => StopReason | null;
  /** Throws JobStoppedError when the job must stop; call it between steps. */
  throwIfStopped: () => void;
  /** Aborted when the job must stop: for fetches and other awaitable work. */
  signal: AbortSignal;
  log: (line: string) => void;
};

export type JobHandler = (context: JobContext) => Promise<unknown>;
export type JobHandlers = Partial<Record<JobKind, JobHandler>>;
