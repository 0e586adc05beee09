'use client';
/**
 * The rating page's progress: this session (answers since the page opened, out of those plus what
 * is left) and my queue in the project (tasks I handled, out of those plus what is left), as
 * progress bars with their numbers; plus today's count and what remains. When the queue is empty
 * but tasks remain, they are held by others: the page says so instead of "Remaining".
 */
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@/server/api/root';

type QueueProgress = inferRouterOutputs<AppRouter>['queue']['progress'];

const numberFormat = new Intl.NumberFormat();
const format = (n: number) => numberFormat.format(n);

function Bar({ label, value, max, testId }: { label: string; value: number; max: number; testId: string }) {
  const percent = max > 0 ? Math.min(100, (value / max) * 100) : 0;
  return (
    <div className="flex min-w-40 flex-col gap-0.5">
      <div className="flex items-baseline justify-between gap-2 text-xs text-slate-500">
        <span>{label}</span>
        <span data-testid={`${testId}-text`} className="font-semibold text-slate-800 tabular-nums">
          {format(value)} / {format(max)}
        </span>
      </div>
      <div
        role="progressbar"
        data-testid={testId}
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={max}
        aria-valuenow={value}
        aria-valuetext={`${format(value)} of ${format(max)}`}
        className="h-1.5 overflow-hidden rounded-full bg-slate-200"
      >
        <div className="h-full rounded-full bg-indigo-600 transition-[width]" style={{ width: `${percent}%` }} />
      </div>
    </div>
  );
}

export function ProgressBars({ progress, sessionDone, isQueueEmpty }: { progress: QueueProgress | undefined; sessionDone: number; isQueueEmpty: boolean }) {
  const remaining = progress?.remaining ?? 0;
  // The queue gave me nothing, yet open tasks remain: others hold them (their leases fill the overlap).
  const heldByOthers = isQueueEmpty && remaining > 0;
  return (
    <div className="flex flex-wrap items-center gap-x-5 gap-y-2 text-sm text-slate-600">
      {progress && (
        <>
          <Bar label="This session" value={sessionDone} max={sessionDone + remaining} testId="progress-session" />
          <Bar label="Your queue" value={progress.handledTotal} max={progress.handledTotal + remaining} testId="progress-queue" />
        </>
      )}
      <span>
        Done today{' '}
        <strong data-testid="progress-done-today" className="font-semibold text-slate-900 tabular-nums">
          {progress ? format(progress.doneToday) : '–'}
        </strong>
      </span>
      {heldByOthers ? (
        <span data-testid="progress-held-by-others" className="font-medium text-amber-800">
          {format(remaining)} in progress by others
        </span>
      ) : (
        <span>
          Remaining{' '}
          <strong data-testid="progress-remaining" className="font-semibold text-slate-900 tabular-nums">
            {progress ? format(remaining) : '–'}
          </strong>
        </span>
      )}
    </div>
  );
}
