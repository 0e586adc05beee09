/** A table of queue jobs (running or queued) with a per-row action. */
import Link from 'next/link';
import { formatDateTime } from '../format';
import { jobKindWords } from '../training/job-kinds';
import { cardClass, tableClass, tdClass, thClass } from '../ui';

export type QueueJob = { id: number; kind: string; projectId: number | null; when: Date | null; detail: React.ReactNode };

export function JobsTable({
  title,
  emptyText,
  whenLabel,
  rowTestId,
  jobs,
  action,
}: {
  title: string;
  emptyText: string;
  whenLabel: string;
  rowTestId: string;
  jobs: QueueJob[];
  action: (jobId: number) => React.ReactNode;
}) {
  return (
    <section className={`${cardClass} overflow-x-auto`} data-testid={`${rowTestId}s`}>
      <h2 className="border-b border-slate-200 px-3 py-2 text-sm font-semibold">{title}</h2>
      {jobs.length === 0 ? (
        <p className="px-3 py-4 text-sm text-slate-500">{emptyText}</p>
      ) : (
        <table className={tableClass}>
          <thead>
            <tr>
              <th className={thClass}>Job</th>
              <th className={thClass}>Kind</th>
              <th className={thClass}>Project</th>
              <th className={thClass}>{whenLabel}</th>
              <th className={thClass}>State</th>
              <th className={thClass}>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {jobs.map((job) => (
              <tr key={job.id} data-testid={`${rowTestId}-${job.id}`}>
                <td className={`${tdClass} tabular-nums`}>#{job.id}</td>
                <td className={tdClass}>{jobKindWords(job.kind)}</td>
                <td className={tdClass}>
                  {job.projectId ? (
                    <Link className="text-indigo-700 hover:underline" href={`/admin/projects/${job.projectId}?tab=training`}>
                      Project #{job.projectId}
                    </Link>
                  ) : (
                    '—'
                  )}
                </td>
                <td className={`${tdClass} whitespace-nowrap`}>{job.when ? formatDateTime(job.when) : '—'}</td>
                <td className={tdClass}>{job.detail}</td>
                <td className={`${tdClass} text-right`}>{action(job.id)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
