'use client';
/** Tasks taken out of the queue by a flag, with who flagged them and why; an admin can reopen them. */
import Link from 'next/link';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/app/_trpc/react';
import { useToast } from '../toast';
import { ErrorBox } from './error-box';
import { formatDateTime } from './format';
import { cardClass, smallButtonClass } from './ui';

export function ProjectFlagged({ projectId }: { projectId: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const flagged = useQuery(trpc.oversee.flaggedTasks.queryOptions({ projectId }));
  const reopen = useMutation(
    trpc.oversee.reopenTask.mutationOptions({
      onSuccess: async (_, input) => {
        toast.show(`Task #${input.taskId} is back in the queue`, 'success');
        await Promise.all([queryClient.invalidateQueries(trpc.oversee.pathFilter()), queryClient.invalidateQueries(trpc.projects.adminList.queryFilter())]);
      },
      onError: (error) => toast.show(error.message, 'error'),
    }),
  );
  if (flagged.error) return <ErrorBox error={flagged.error} />;
  if (!flagged.data) return <p className="text-sm text-slate-500">Loading flagged tasks…</p>;
  if (flagged.data.length === 0) {
    return (
      <p className={`${cardClass} p-6 text-center text-sm text-slate-500`} data-testid="flagged-empty">
        No flagged tasks.
      </p>
    );
  }
  return (
    <ul className="space-y-3" data-testid="flagged-tasks">
      {flagged.data.map((task) => (
        <li key={task.taskId} className={`${cardClass} p-3`} data-testid={`flagged-task-${task.taskId}`}>
          <div className="mb-2 flex items-start gap-3">
            <Link
              href={`/admin/projects/${projectId}/tasks/${task.taskId}`}
              className="whitespace-nowrap font-mono text-xs text-slate-600 underline decoration-slate-300 underline-offset-2 hover:text-slate-950"
              data-testid={`flagged-task-link-${task.taskId}`}
            >
              Task #{task.taskId}
            </Link>
            <div className="min-w-0 flex-1">
              <p className="line-clamp-3 text-sm text-slate-800" title={task.promptExcerpt}>
                {task.promptExcerpt}
              </p>
            </div>
            <button
              type="button"
              className={smallButtonClass}
              data-testid={`reopen-task-${task.taskId}`}
              disabled={reopen.isPending && reopen.variables?.taskId === task.taskId}
              onClick={() => reopen.mutate({ taskId: task.taskId })}
            >
              Reopen
            </button>
          </div>
          <ul className="space-y-1 border-t border-slate-100 pt-2 text-xs">
            {task.flags.map((flag, i) => (
              <li key={i} className="flex gap-2">
                <span className="whitespace-nowrap text-slate-400">{formatDateTime(flag.createdAt)}</span>
                <span className="font-medium text-slate-700">{flag.annotatorName}</span>
                <span className="text-amber-800">⚑ {flag.reason || 'no reason given'}</span>
              </li>
            ))}
          </ul>
        </li>
      ))}
    </ul>
  );
}
