'use client';
/**
 * Exports as background jobs: the "Export in background" button (queues the export the panel shows)
 * and the project's export jobs with a progress bar, ETA, the error in words and the download link
 * once done. Polls every 2 s while a job is queued or running. Every value is rendered as text.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/app/_trpc/react';
import type { StartExportInput } from '@/server/datasets/export-jobs';
import { useToast } from '../../toast';
import { ErrorBox } from '../error-box';
import { formatBytes, formatDateTime, formatEta } from '../format';
import { cardClass, secondaryButtonClass, smallButtonClass, tableClass, tdClass, thClass } from '../ui';

const LIVE_POLL_MS = 2000;

const isActive = (status: string) => status === 'QUEUED' || status === 'RUNNING';

/** Queues the export the panel describes; the job appears in the list below. */
export function StartExportButton({ input }: { input: StartExportInput }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const start = useMutation(
    trpc.datasets.startExport.mutationOptions({
      onSuccess: async ({ jobId }) => {
        toast.show(`Export job #${jobId} queued`, 'success');
        await queryClient.invalidateQueries(trpc.datasets.exportJobs.pathFilter());
      },
    }),
  );
  return (
    <span className="inline-flex flex-wrap items-center gap-2">
      <button type="button" className={secondaryButtonClass} disabled={start.isPending} onClick={() => start.mutate(input)} data-testid="export-background">
        Export in background
      </button>
      {start.error && <ErrorBox error={start.error} />}
    </span>
  );
}

function statusWords(status: string): string {
  return status === 'QUEUED' ? 'waiting for a worker' : status === 'RUNNING' ? 'running' : status === 'SUCCEEDED' ? 'done' : status === 'FAILED' ? 'failed' : 'cancelled';
}

export function ExportJobsList({ projectId }: { projectId: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const jobs = useQuery({
    ...trpc.datasets.exportJobs.queryOptions({ projectId }),
    refetchInterval: (query) => (query.state.data?.some((j) => isActive(j.status)) ? LIVE_POLL_MS : false),
  });
  const cancel = useMutation(trpc.training.cancelJob.mutationOptions({ onSettled: () => queryClient.invalidateQueries(trpc.datasets.exportJobs.pathFilter()) }));
  if (jobs.error) return <ErrorBox error={jobs.error} />;
  if (!jobs.data || jobs.data.length === 0) return null;
  return (
    <div className={`${cardClass} overflow-x-auto`}>
      <h3 className="px-3 pt-3 text-sm font-semibold text-slate-800">Export jobs</h3>
      {cancel.error && <ErrorBox error={cancel.error} />}
      <table className={tableClass} data-testid="export-jobs">
        <thead>
          <tr>
            <th className={thClass}>Job</th>
            <th className={thClass}>Snapshot</th>
            <th className={thClass}>Format</th>
            <th className={thClass}>Queued</th>
            <th className={thClass}>Status</th>
            <th className={thClass} />
          </tr>
        </thead>
        <tbody>
          {jobs.data.map((job) => {
            const step = job.progress?.step ?? 0;
            const total = job.progress?.total ?? 0;
            const percent = total > 0 ? Math.min(100, Math.round((step / total) * 100)) : 0;
            return (
              <tr key={job.id} data-testid={`export-job-${job.id}`}>
                <td className={tdClass}>#{job.id}</td>
                <td className={tdClass}>#{job.snapshotId}</td>
                <td className={tdClass}>
                  {job.format} / {job.encoding}
                </td>
                <td className={`${tdClass} whitespace-nowrap`}>{formatDateTime(job.createdAt)}</td>
                <td className={tdClass} data-testid={`export-job-status-${job.id}`}>
                  <div>{statusWords(job.status)}</div>
                  {job.status === 'RUNNING' && (
                    <div className="mt-1 w-48">
                      <div className="h-2 rounded bg-slate-200" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
                        <div className="h-2 rounded bg-indigo-500" style={{ width: `${percent}%` }} />
                      </div>
                      <div className="mt-0.5 text-xs text-slate-500">
                        {job.progress?.message ?? ''} {formatEta(job.progress?.etaSeconds)}
                      </div>
                    </div>
                  )}
                  {job.error && <div className="text-xs text-red-700">{job.error}</div>}
                </td>
                <td className={tdClass}>
                  {job.result && (
                    <a href={`/api/datasets/exports/${job.id}`} download className={smallButtonClass} data-testid={`export-job-download-${job.id}`}>
                      Download {job.result.fileName} ({formatBytes(job.result.bytes)}, {job.result.rows} rows)
                    </a>
                  )}
                  {isActive(job.status) && (
                    <button type="button" className={smallButtonClass} disabled={cancel.isPending} onClick={() => cancel.mutate({ jobId: job.id })}>
                      Cancel
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
