'use client';
/**
 * One round in full: stages, live curves, every metric, the snapshot it trained on, evaluation
 * samples and the versions it registered. Polled every 2 s while the round is queued or running.
 */
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/app/_trpc/react';
import { ErrorBox } from '../error-box';
import { formatDuration } from '../format';
import { cardClass, smallButtonClass } from '../ui';
import { CurveGrid } from './curve-charts';
import { EvalSamples } from './eval-samples';
import { MetricsTable } from './metrics-table';
import { RoundStages } from './round-stages';
import { describeRoundConfig, roundDurationMs } from './round-summary';
import { SnapshotInfo } from './snapshot-info';
import { isActiveStatus, StatusBadge } from './status-badge';
import { isRecord, readCurves, readSamples } from './training-json';

const LIVE_POLL_MS = 2_000;

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <section className="space-y-2">
      <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">{title}</h3>
      {children}
    </section>
  );
}

export function RoundDetail({ runId, onClose }: { runId: number; onClose: () => void }) {
  const trpc = useTRPC();
  const round = useQuery({
    ...trpc.training.round.queryOptions({ runId }),
    refetchInterval: (query) => (query.state.data && isActiveStatus(query.state.data.status) ? LIVE_POLL_MS : false),
  });
  if (round.error) return <ErrorBox error={round.error} testId="round-detail-error" />;
  if (!round.data) return <p className="text-sm text-slate-500">Loading the round…</p>;
  const run = round.data;
  const isActive = isActiveStatus(run.status);
  // Evaluation samples are shown in their own table, not as metrics.
  const metricsWithoutSamples = isRecord(run.metrics) && isRecord(run.metrics.evaluate) ? { ...run.metrics, evaluate: { ...run.metrics.evaluate, samples: undefined } } : run.metrics;

  return (
    <section className={`${cardClass} space-y-4 p-4`} data-testid="round-detail" data-status={run.status}>
      <div className="flex flex-wrap items-center gap-3">
        <h2 className="text-base font-semibold">Round {run.number}</h2>
        <StatusBadge status={run.status} isCancelRequested={run.job?.cancelRequested} testId="round-detail-status" />
        <span className="text-sm text-slate-500">
          {describeRoundConfig(run.config)} · {formatDuration(roundDurationMs(run))}
        </span>
        <button type="button" className={`${smallButtonClass} ml-auto`} onClick={onClose} data-testid="round-detail-close">
          Close
        </button>
      </div>
      {run.error && (
        <p role="alert" className="rounded-md border border-rose-200 bg-rose-50 px-3 py-2 text-sm text-rose-800" data-testid="round-detail-failure">
          {run.error}
        </p>
      )}
      <RoundStages stages={run.stages} progress={run.job?.progress} isFinished={!isActive} />
      <Section title="Curves">
        <CurveGrid runs={[{ label: `Round ${run.number}`, curves: readCurves(run.curves) }]} emptyText={isActive ? 'Curves appear once training starts.' : 'This round recorded no curves.'} />
      </Section>
      <div className="grid gap-4 lg:grid-cols-2">
        <Section title="Metrics">
          <MetricsTable metrics={metricsWithoutSamples} />
        </Section>
        <Section title="Snapshot">
          <SnapshotInfo snapshot={run.snapshot} metrics={run.metrics} />
          {run.versions.length > 0 && (
            <p className="text-sm text-slate-600" data-testid="round-versions">
              Registered: {run.versions.map((v) => `${v.name} (${v.kind === 'POLICY' ? 'policy' : 'reward model'})`).join(', ')}
            </p>
          )}
        </Section>
      </div>
      <Section title="Evaluation samples">
        <EvalSamples samples={readSamples(run.metrics)} />
      </Section>
    </section>
  );
}
