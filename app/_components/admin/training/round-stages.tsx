'use client';
/**
 * A round's five stages, each with its bar. The job's progress line is the freshest news for the
 * live stage (it arrives with every heartbeat); the run's `stages` column, written at most once a
 * second, fills in the others.
 */
import { ROUND_STAGES, type RoundStage } from '@/server/jobs/contracts';
import { ProgressBar } from './progress-bar';
import { readProgress, readStages } from './training-json';

const STAGE_LABELS: Record<RoundStage, string> = {
  snapshot: 'Snapshot of the annotations',
  reward: 'Reward model',
  policy: 'Policy',
  evaluate: 'Evaluation',
  register: 'Register the versions',
};

export function RoundStages({ stages, progress, isFinished }: { stages: unknown; progress: unknown; isFinished: boolean }) {
  const states = readStages(stages);
  const live = readProgress(progress);
  return (
    <div className="grid gap-2 sm:grid-cols-5" data-testid="round-stages">
      {ROUND_STAGES.map((stage) => {
        const state = states[stage];
        const isLive = !isFinished && live?.stage === stage;
        const isDone = !!state?.finishedAt;
        return (
          <div key={stage}>
            <ProgressBar
              label={STAGE_LABELS[stage]}
              step={isLive ? live.step : (state?.step ?? null)}
              total={isLive ? live.total : (state?.total ?? null)}
              etaSeconds={isLive ? live.etaSeconds : (state?.etaSeconds ?? null)}
              isDone={isDone}
              testId={`round-stage-${stage}`}
            />
            {isLive && live.message && (
              <p className="mt-0.5 truncate text-xs text-slate-500" title={live.message}>
                {live.message}
              </p>
            )}
          </div>
        );
      })}
    </div>
  );
}
