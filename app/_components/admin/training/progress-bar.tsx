/** A labelled progress bar (step of total) with an optional time estimate. */
import { formatEta } from '../format';

export function ProgressBar({
  label,
  step,
  total,
  etaSeconds,
  isDone,
  testId,
}: {
  label: string;
  step: number | null;
  total: number | null;
  etaSeconds?: number | null;
  isDone?: boolean;
  testId?: string;
}) {
  const hasTotal = total !== null && total > 0;
  const fraction = isDone ? 1 : hasTotal ? Math.min(1, Math.max(0, (step ?? 0) / total)) : 0;
  const counts = hasTotal ? `${step ?? 0} / ${total}` : isDone ? 'done' : 'waiting';
  return (
    <div data-testid={testId} className="space-y-0.5">
      <div className="flex items-baseline justify-between gap-2 text-xs">
        <span className="font-medium text-slate-700">{label}</span>
        <span className="tabular-nums text-slate-500">
          {counts}
          {!isDone && etaSeconds !== undefined && etaSeconds !== null && ` · ${formatEta(etaSeconds)}`}
        </span>
      </div>
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={hasTotal ? total : 1}
        aria-valuenow={hasTotal ? Math.min(step ?? 0, total) : isDone ? 1 : 0}
        className="h-1.5 overflow-hidden rounded-full bg-slate-200"
      >
        <div className={`h-full ${isDone ? 'bg-emerald-500' : 'bg-indigo-500'}`} style={{ width: `${fraction * 100}%` }} />
      </div>
    </div>
  );
}
