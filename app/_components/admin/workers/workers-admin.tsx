'use client';
/**
 * The trainer workers and the queue across projects, polled every 3 s: live workers with their
 * heartbeat and current job, running jobs with progress, queued jobs; any job can be cancelled.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/app/_trpc/react';
import { useToast } from '../../toast';
import { ErrorBox } from '../error-box';
import { formatDateTime, formatDuration } from '../format';
import { cardClass, smallButtonClass, tableClass, tdClass, thClass } from '../ui';
import { JobProgress } from '../training/job-progress';
import { JobsTable, type QueueJob } from './jobs-table';

const POLL_MS = 3_000;

/** "12 s ago": a heartbeat older than a few seconds is the first sign of a stuck worker. */
function ago(date: Date | null): string {
  return date ? `${formatDuration(Date.now() - date.getTime())} ago` : '—';
}

export function WorkersAdmin() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const workers = useQuery({ ...trpc.training.workers.queryOptions(), refetchInterval: POLL_MS });
  const cancel = useMutation(
    trpc.training.cancelJob.mutationOptions({
      onSuccess: async (outcome, input) => {
        toast.show(outcome.status === 'CANCELLED' ? `Job #${input.jobId} cancelled` : `Job #${input.jobId}: its worker was asked to stop`, 'success');
        await queryClient.invalidateQueries(trpc.training.pathFilter());
      },
    }),
  );
  if (workers.error) return <ErrorBox error={workers.error} testId="workers-error" />;
  if (!workers.data) return <p className="text-sm text-slate-500">Loading workers…</p>;
  const { workers: live, running, queued } = workers.data;
  const cancelButton = (jobId: number) => (
    <button type="button" className={smallButtonClass} data-testid={`job-cancel-${jobId}`} disabled={cancel.isPending} onClick={() => cancel.mutate({ jobId })}>
      Cancel
    </button>
  );
  const runningJobs: QueueJob[] = running.map((job) => ({
    id: job.id,
    kind: job.kind,
    projectId: job.projectId,
    when: job.startedAt,
    detail: <JobProgress progress={job.progress} testId={`running-job-progress-${job.id}`} />,
  }));
  const queuedJobs: QueueJob[] = queued.map((job) => ({
    id: job.id,
    kind: job.kind,
    projectId: job.projectId,
    when: job.createdAt,
    detail: job.attempts > 0 ? <span className="text-amber-700">queued again after attempt {job.attempts}</span> : <span className="text-slate-500">waiting for a worker</span>,
  }));

  return (
    <div className="space-y-4" data-testid="workers-admin">
      <ErrorBox error={cancel.error} testId="job-cancel-error" />
      <section className={`${cardClass} overflow-x-auto`}>
        <h2 className="border-b border-slate-200 px-3 py-2 text-sm font-semibold">Live workers ({live.length})</h2>
        {live.length === 0 ? (
          <p className="px-3 py-4 text-sm text-slate-500" data-testid="no-workers">
            No worker has sent a heartbeat in the last minute; queued jobs wait until a trainer worker (<code>trainer/main.ts</code>) starts.
          </p>
        ) : (
          <table className={tableClass}>
            <thead>
              <tr>
                <th className={thClass}>Host</th>
                <th className={`${thClass} text-right`}>PID</th>
                <th className={thClass}>Backend</th>
                <th className={thClass}>Version</th>
                <th className={thClass}>Started</th>
                <th className={thClass}>Last heartbeat</th>
                <th className={thClass}>Current job</th>
              </tr>
            </thead>
            <tbody>
              {live.map((worker) => (
                <tr key={worker.id} data-testid={`worker-row-${worker.id}`}>
                  <td className={tdClass}>{worker.hostname}</td>
                  <td className={`${tdClass} text-right tabular-nums`}>{worker.pid}</td>
                  <td className={tdClass}>{worker.backend}</td>
                  <td className={tdClass}>{worker.version}</td>
                  <td className={`${tdClass} whitespace-nowrap`}>{formatDateTime(worker.startedAt)}</td>
                  <td className={`${tdClass} whitespace-nowrap`}>{ago(worker.heartbeatAt)}</td>
                  <td className={tdClass}>{worker.currentJobId ? `#${worker.currentJobId}` : 'idle'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <JobsTable title={`Running jobs (${running.length})`} emptyText="Nothing is running." whenLabel="Started" rowTestId="running-job" jobs={runningJobs} action={cancelButton} />
      <JobsTable title={`Queued jobs (${queued.length})`} emptyText="The queue is empty." whenLabel="Queued" rowTestId="queued-job" jobs={queuedJobs} action={cancelButton} />
    </div>
  );
}
