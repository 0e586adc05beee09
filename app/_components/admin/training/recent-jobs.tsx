/** The project's recent generate and evaluate jobs: status, live progress, and why one failed. */
import { formatDateTime, formatDuration } from '../format';
import { cardClass, tableClass, tdClass, thClass } from '../ui';
import { jobKindWords } from './job-kinds';
import { JobProgress } from './job-progress';
import { StatusBadge } from './status-badge';
import { isRecord } from './training-json';
import type { JobRow } from './training-types';

/** A finished job's result in a few words (counts it reported), or nothing. */
function describeResult(result: unknown): string {
  if (!isRecord(result)) return '';
  return Object.entries(result)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number')
    .slice(0, 4)
    .map(([key, value]) => `${key} ${value}`)
    .join(' · ');
}

export function RecentJobs({ jobs }: { jobs: JobRow[] }) {
  return (
    <section className={`${cardClass} overflow-x-auto`} data-testid="training-jobs">
      <h2 className="border-b border-slate-200 px-3 py-2 text-sm font-semibold">Generate and evaluate jobs</h2>
      {jobs.length === 0 ? (
        <p className="px-3 py-4 text-sm text-slate-500">No jobs yet.</p>
      ) : (
        <table className={tableClass}>
          <thead>
            <tr>
              <th className={thClass}>Job</th>
              <th className={thClass}>Kind</th>
              <th className={thClass}>Status</th>
              <th className={thClass}>Queued</th>
              <th className={`${thClass} text-right`}>Duration</th>
              <th className={thClass}>Progress or outcome</th>
            </tr>
          </thead>
          <tbody>
            {jobs.map((job) => (
              <tr key={job.id} data-testid={`training-job-${job.id}`} data-status={job.status}>
                <td className={`${tdClass} tabular-nums`}>#{job.id}</td>
                <td className={tdClass}>{jobKindWords(job.kind)}</td>
                <td className={tdClass}>
                  <StatusBadge status={job.status} />
                </td>
                <td className={`${tdClass} whitespace-nowrap`}>{formatDateTime(job.createdAt)}</td>
                <td className={`${tdClass} text-right tabular-nums`}>{job.startedAt ? formatDuration((job.finishedAt ?? new Date()).getTime() - job.startedAt.getTime()) : '—'}</td>
                <td className={tdClass}>
                  {job.status === 'RUNNING' ? (
                    <JobProgress progress={job.progress} />
                  ) : job.error ? (
                    <span className={job.status === 'FAILED' ? 'text-rose-700' : 'text-slate-600'}>{job.error}</span>
                  ) : (
                    <span className="text-slate-600">{describeResult(job.result)}</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
