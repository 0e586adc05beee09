'use client';
/** The project's rounds, newest first; the running one shows its stages; queued and running ones can be cancelled. */
import { Fragment } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/app/_trpc/react';
import { useToast } from '../../toast';
import { ErrorBox } from '../error-box';
import { formatDateTime, formatDuration } from '../format';
import { cardClass, smallButtonClass, tableClass, tdClass, thClass } from '../ui';
import { RoundStages } from './round-stages';
import { describeRoundConfig, roundDurationMs } from './round-summary';
import { isActiveStatus, StatusBadge } from './status-badge';
import type { RoundRow } from './training-types';

const TRIGGER_WORDS: Record<string, string> = { manual: 'By hand', annotations: 'New annotations', cron: 'Schedule' };

export function RoundsList({ runs, selectedRunId, onSelect }: { runs: RoundRow[]; selectedRunId: number | null; onSelect: (runId: number) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const cancel = useMutation(
    trpc.training.cancelRound.mutationOptions({
      onSuccess: async (outcome) => {
        toast.show(outcome.status === 'CANCELLED' ? 'Round cancelled' : 'The worker was asked to stop the round', 'success');
        await queryClient.invalidateQueries(trpc.training.pathFilter());
      },
    }),
  );

  return (
    <section className={`${cardClass} overflow-x-auto`} data-testid="rounds-list">
      <h2 className="border-b border-slate-200 px-3 py-2 text-sm font-semibold">Rounds</h2>
      <ErrorBox error={cancel.error} testId="round-cancel-error" />
      {runs.length === 0 ? (
        <p className="px-3 py-4 text-sm text-slate-500">No rounds yet. Start one when there are enough preference pairs.</p>
      ) : (
        <table className={tableClass}>
          <thead>
            <tr>
              <th className={thClass}>Round</th>
              <th className={thClass}>Status</th>
              <th className={thClass}>Trigger</th>
              <th className={thClass}>Method</th>
              <th className={thClass}>Started</th>
              <th className={`${thClass} text-right`}>Duration</th>
              <th className={thClass}>Details</th>
              <th className={thClass}>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <Fragment key={run.id}>
                <tr data-testid={`round-row-${run.number}`} data-status={run.status} className={run.id === selectedRunId ? 'bg-indigo-50' : undefined}>
                  <td className={tdClass}>
                    <button
                      type="button"
                      className="font-medium text-indigo-700 hover:underline"
                      data-testid={`round-open-${run.number}`}
                      onClick={() => onSelect(run.id)}
                      aria-pressed={run.id === selectedRunId}
                    >
                      Round {run.number}
                    </button>
                  </td>
                  <td className={tdClass}>
                    <StatusBadge status={run.status} isCancelRequested={run.job?.cancelRequested} testId={`round-status-${run.number}`} />
                  </td>
                  <td className={tdClass}>{TRIGGER_WORDS[run.trigger] ?? run.trigger}</td>
                  <td className={tdClass}>{describeRoundConfig(run.config)}</td>
                  <td className={`${tdClass} whitespace-nowrap`}>{run.startedAt ? formatDateTime(run.startedAt) : run.status === 'QUEUED' ? 'waiting for a worker' : '—'}</td>
                  <td className={`${tdClass} text-right tabular-nums`}>{formatDuration(roundDurationMs(run))}</td>
                  <td className={`${tdClass} max-w-md`}>
                    {run.error ? (
                      <span className={run.status === 'FAILED' ? 'text-rose-700' : 'text-slate-600'} data-testid={`round-error-${run.number}`}>
                        {run.error}
                      </span>
                    ) : run.job && run.job.attempts > 1 && isActiveStatus(run.status) ? (
                      <span className="text-amber-700">
                        attempt {run.job.attempts} of {run.job.maxAttempts}
                      </span>
                    ) : null}
                  </td>
                  <td className={`${tdClass} text-right`}>
                    {isActiveStatus(run.status) && !run.job?.cancelRequested && (
                      <button type="button" className={smallButtonClass} data-testid={`round-cancel-${run.number}`} disabled={cancel.isPending} onClick={() => cancel.mutate({ runId: run.id })}>
                        Cancel
                      </button>
                    )}
                  </td>
                </tr>
                {run.status === 'RUNNING' && (
                  <tr data-testid={`round-progress-${run.number}`}>
                    <td className={tdClass} colSpan={8}>
                      <RoundStages stages={run.stages} progress={run.job?.progress} isFinished={false} />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
