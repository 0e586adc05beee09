'use client';
/**
 * A project's Quality tab: agreement per question, the annotator × annotator kappa heatmap,
 * position bias for the project, the annotator quality table, and the consensus labels' summary.
 */
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/app/_trpc/react';
import { ErrorBox } from '../error-box';
import { cardClass } from '../ui';
import { AgreementTable } from './agreement-table';
import { AnnotatorQualityTable } from './annotator-quality-table';
import { KappaHeatmap } from './kappa-heatmap';
import { formatCount, formatPercent, formatPValue, formatStatistic } from './quality-format';
import type { QualityConsensus, QualityPositionBias } from './types';

function Section({ title, children, testId }: { title: string; children: React.ReactNode; testId: string }) {
  return (
    <section className={`${cardClass} space-y-2 p-4`} data-testid={testId}>
      <h2 className="text-sm font-semibold text-slate-800">{title}</h2>
      {children}
    </section>
  );
}

function PositionBiasSummary({ bias }: { bias: QualityPositionBias }) {
  if (!bias) return <p className="text-sm text-slate-500">Position bias needs a pairwise or ranking question.</p>;
  const { project } = bias;
  return (
    <p className="text-sm" data-testid="position-bias-project">
      The response shown first was picked in <span data-testid="position-bias-first">{formatCount(project.firstPicks)}</span> of{' '}
      <span data-testid="position-bias-picks">{formatCount(project.picks)}</span> {bias.questionType === 'pairwise' ? 'A/B choices' : 'rankings (as best)'} (
      <span data-testid="position-bias-share">{formatPercent(project.share)}</span>; chance {formatPercent(project.chance)}), binomial test p ={' '}
      <span data-testid="position-bias-p">{formatPValue(project.pValue)}</span>
      {project.isFlagged ? (
        <span className="ml-2 rounded bg-amber-100 px-1.5 text-xs text-amber-800">position bias (p &lt; 0.01)</span>
      ) : (
        <span className="ml-2 text-xs text-slate-500">no evidence of bias at p &lt; 0.01</span>
      )}
    </p>
  );
}

function ConsensusSummary({ consensus }: { consensus: QualityConsensus }) {
  if (!consensus) return <p className="text-sm text-slate-500">No measured question.</p>;
  if (consensus.method === 'dawid-skene') {
    return (
      <div className="space-y-1 text-sm" data-testid="consensus-summary">
        <p>
          {consensus.label}: {formatCount(consensus.items)} tasks; the majority vote labels {formatCount(consensus.majorityLabelled)} (the rest are ties); Dawid-Skene, weighting each annotator by
          their estimated confusion matrix, labels all and differs from the majority on {formatCount(consensus.disagreements)}.
        </p>
        {consensus.classes && <p className="text-xs text-slate-500">Estimated class shares: {consensus.classes.map((c) => `${c.label} ${formatPercent(c.prior)}`).join(' · ')}</p>}
      </div>
    );
  }
  return (
    <div className="space-y-1 text-sm" data-testid="consensus-summary">
      <p>
        {consensus.label}: {formatCount(consensus.items)} rated responses; consensus is the reliability-weighted mean score (each annotator weighted by the inverse of their estimated noise).
      </p>
      <p className="text-xs text-slate-500">Weights: {consensus.annotators.map((a) => `${a.name} ${formatStatistic(a.weight)}`).join(' · ')}</p>
    </div>
  );
}

export function QualityTab({ projectId }: { projectId: number }) {
  const trpc = useTRPC();
  const agreement = useQuery(trpc.quality.agreement.queryOptions({ projectId }));
  const annotators = useQuery(trpc.quality.annotatorQuality.queryOptions({ projectId }));
  const bias = useQuery(trpc.quality.positionBias.queryOptions({ projectId }));
  const consensus = useQuery(trpc.quality.consensusPreview.queryOptions({ projectId }));
  const error = agreement.error ?? annotators.error ?? bias.error ?? consensus.error;
  if (error) return <ErrorBox error={error} />;
  const loading = <p className="text-sm text-slate-500">Loading…</p>;
  return (
    <div className="space-y-4">
      <Section title="Agreement per question" testId="quality-agreement">
        {agreement.data ? <AgreementTable agreement={agreement.data} /> : loading}
      </Section>
      <Section title={`Cohen's kappa between annotators${agreement.data?.heatmap ? ` (${agreement.data.heatmap.label})` : ''}`} testId="quality-heatmap">
        {agreement.data ? agreement.data.heatmap ? <KappaHeatmap heatmap={agreement.data.heatmap} /> : <p className="text-sm text-slate-500">No measured question.</p> : loading}
      </Section>
      <Section title="Position bias" testId="quality-position-bias">
        {bias.isSuccess ? <PositionBiasSummary bias={bias.data} /> : loading}
      </Section>
      <Section title="Annotators" testId="quality-annotators">
        {annotators.data ? <AnnotatorQualityTable quality={annotators.data} /> : loading}
      </Section>
      <Section title="Consensus labels" testId="quality-consensus">
        {consensus.isSuccess ? <ConsensusSummary consensus={consensus.data} /> : loading}
      </Section>
    </div>
  );
}
