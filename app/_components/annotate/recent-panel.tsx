'use client';
/** My last actions in the project (what I did, when), each reopenable while its undo window is open. */
import type { RecentAction } from './use-task-queue';

const STATUS_LABELS: Record<RecentAction['status'], string> = { SUBMITTED: 'Submitted', SKIPPED: 'Skipped', FLAGGED: 'Flagged' };
const STATUS_STYLES: Record<RecentAction['status'], string> = {
  SUBMITTED: 'bg-emerald-100 text-emerald-900',
  SKIPPED: 'bg-slate-200 text-slate-800',
  FLAGGED: 'bg-amber-100 text-amber-900',
};

function timeAgo(then: Date, now: number): string {
  const seconds = Math.max(0, Math.round((now - then.getTime()) / 1000));
  if (seconds < 10) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  return hours < 24 ? `${hours} h ago` : then.toLocaleDateString();
}

function timeLeft(until: Date, now: number): string {
  const seconds = Math.max(0, Math.ceil((until.getTime() - now) / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

export function RecentPanel({ recent, now, onReopen }: { recent: RecentAction[]; now: number; onReopen: (annotationId: number) => void }) {
  return (
    <section data-testid="recent-panel" aria-label="Recent" className="rounded-2xl border border-slate-200 bg-white p-4 shadow-sm">
      <h2 className="mb-2 text-xs font-semibold tracking-wider text-slate-400 uppercase">Recent</h2>
      {recent.length === 0 ? (
        <p className="text-sm text-slate-400">Nothing yet in this project.</p>
      ) : (
        <ol className="flex flex-col divide-y divide-slate-100">
          {recent.map((action) => {
            const createdAt = new Date(action.createdAt);
            const until = new Date(action.undoableUntil);
            const isOpen = until.getTime() > now;
            return (
              <li key={action.annotationId} data-testid={`recent-item-${action.taskId}`} data-status={action.status} className="flex items-center gap-3 py-1.5 text-sm">
                <span className={`w-20 shrink-0 rounded px-1.5 py-0.5 text-center text-xs font-medium ${STATUS_STYLES[action.status]}`}>{STATUS_LABELS[action.status]}</span>
                <span className="w-20 shrink-0 text-xs text-slate-500" title={createdAt.toLocaleString()}>
                  {timeAgo(createdAt, now)}
                </span>
                <span className="min-w-0 flex-1 truncate text-slate-700">
                  <span className="mr-1 text-xs text-slate-400">#{action.taskId}</span>
                  {action.promptExcerpt}
                </span>
                {isOpen ? (
                  <button
                    type="button"
                    data-testid={`recent-reopen-${action.taskId}`}
                    onClick={() => onReopen(action.annotationId)}
                    className="shrink-0 rounded-md border border-slate-200 px-2 py-0.5 text-xs text-slate-700 hover:bg-slate-50"
                    title="Take this back and show the task again"
                  >
                    Reopen <span className="text-slate-400 tabular-nums">{timeLeft(until, now)}</span>
                  </button>
                ) : (
                  <span className="shrink-0 text-xs text-slate-400" title="The undo window has closed">
                    locked
                  </span>
                )}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
