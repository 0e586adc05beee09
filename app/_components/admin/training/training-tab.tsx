'use client';
/**
 * A project's Training tab: the active policy and actions, the start-round form, rounds (one open
 * in detail), model versions with their chart and comparison, settings, and recent jobs.
 */
import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/app/_trpc/react';
import { ArenaPanel } from '../arena/arena-panel';
import { ArenaScoreCell } from '../arena/arena-score-cell';
import { ErrorBox } from '../error-box';
import { RecentJobs } from './recent-jobs';
import { RoundDetail } from './round-detail';
import { RoundForm } from './round-form';
import { RoundsList } from './rounds-list';
import { TrainingHeader } from './training-header';
import { TrainingSettingsPanel } from './training-settings';
import { useTrainingOverview } from './use-training-overview';
import { VersionCompare } from './version-compare';
import { VersionsChart } from './versions-chart';
import { MAX_COMPARED, VersionsTable } from './versions-table';

export function TrainingTab({ projectId }: { projectId: number }) {
  const trpc = useTRPC();
  const overview = useTrainingOverview(projectId);
  const settings = useQuery(trpc.training.settings.queryOptions({ projectId }));
  const [isFormOpen, setIsFormOpen] = useState(false);
  const [selectedRunId, setSelectedRunId] = useState<number | null>(null);
  const [selectedVersionIds, setSelectedVersionIds] = useState<number[]>([]);
  const [comparedIds, setComparedIds] = useState<number[] | null>(null);

  if (overview.error) return <ErrorBox error={overview.error} testId="training-error" />;
  if (!overview.data) return <p className="text-sm text-slate-500">Loading training…</p>;
  const { runs, versions, jobs, activePolicyId } = overview.data;
  const activePolicy = versions.find((v) => v.id === activePolicyId) ?? null;
  const toggleVersion = (id: number) => setSelectedVersionIds((ids) => (ids.includes(id) ? ids.filter((x) => x !== id) : ids.length < MAX_COMPARED ? [...ids, id] : ids));

  return (
    <div className="space-y-4" data-testid="training-tab">
      <TrainingHeader projectId={projectId} activePolicy={activePolicy} isFormOpen={isFormOpen} onStartRound={() => setIsFormOpen(true)} />
      {isFormOpen && (settings.data ? <RoundForm projectId={projectId} initial={settings.data.roundConfig} onClose={() => setIsFormOpen(false)} /> : <ErrorBox error={settings.error} />)}
      <RoundsList runs={runs} selectedRunId={selectedRunId} onSelect={(id) => setSelectedRunId((current) => (current === id ? null : id))} />
      {selectedRunId !== null && <RoundDetail key={selectedRunId} runId={selectedRunId} onClose={() => setSelectedRunId(null)} />}
      <VersionsTable
        versions={versions}
        runs={runs}
        selectedIds={selectedVersionIds}
        onToggle={toggleVersion}
        onCompare={() => setComparedIds([...selectedVersionIds].sort((a, b) => a - b))}
        arenaCell={(version) => <ArenaScoreCell projectId={projectId} versionId={version.id} />}
      />
      {comparedIds && <VersionCompare key={comparedIds.join('-')} versionIds={comparedIds} onClose={() => setComparedIds(null)} />}
      <VersionsChart versions={versions} />
      <ArenaPanel projectId={projectId} policies={versions.filter((v) => v.kind === 'POLICY').map((v) => ({ id: v.id, name: v.name }))} />
      {settings.data && <TrainingSettingsPanel projectId={projectId} initial={settings.data} secrets={settings.data.secrets} />}
      <RecentJobs jobs={jobs} />
    </div>
  );
}
