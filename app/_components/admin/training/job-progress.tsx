/** A job's live progress line: stage, a bar when there is a step count, the message and the ETA. */
import { ProgressBar } from './progress-bar';
import { readProgress } from './training-json';

export function JobProgress({ progress, testId }: { progress: unknown; testId?: string }) {
  const live = readProgress(progress);
  if (!live) return <span className="text-xs text-slate-400">no progress reported yet</span>;
  return (
    <div className="min-w-48 space-y-0.5" data-testid={testId}>
      <ProgressBar label={live.stage ?? 'working'} step={live.step} total={live.total} etaSeconds={live.etaSeconds} />
      {live.message && (
        <p className="truncate text-xs text-slate-500" title={live.message}>
          {live.message}
        </p>
      )}
    </div>
  );
}
