/** A job's or round's status in words, coloured by what it asks of the admin. */
import type { JobStatus } from './training-types';

const STATUS_WORDS: Record<JobStatus, string> = { QUEUED: 'Queued', RUNNING: 'Running', SUCCEEDED: 'Succeeded', FAILED: 'Failed', CANCELLED: 'Cancelled' };
const STATUS_TONES: Record<JobStatus, string> = {
  QUEUED: 'bg-slate-100 text-slate-700',
  RUNNING: 'bg-indigo-100 text-indigo-800',
  SUCCEEDED: 'bg-emerald-100 text-emerald-800',
  FAILED: 'bg-rose-100 text-rose-800',
  CANCELLED: 'bg-amber-100 text-amber-800',
};

export function isActiveStatus(status: JobStatus): boolean {
  return status === 'QUEUED' || status === 'RUNNING';
}

/** "Cancelling" while a running job has been asked to stop but has not yet. */
export function statusWords(status: JobStatus, isCancelRequested = false): string {
  return status === 'RUNNING' && isCancelRequested ? 'Cancelling' : STATUS_WORDS[status];
}

export function StatusBadge({ status, isCancelRequested, testId }: { status: JobStatus; isCancelRequested?: boolean; testId?: string }) {
  return (
    <span data-testid={testId} data-status={status} className={`inline-block rounded-full px-2 py-0.5 text-xs font-medium ${STATUS_TONES[status]}`}>
      {statusWords(status, isCancelRequested)}
    </span>
  );
}
