'use client';
/**
 * One project's admin page: a header and seven tabs. The tab lives in the URL (?tab=import) so a
 * link or a reload lands on the same tab.
 */
import { useState } from 'react';
import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/app/_trpc/react';
import { DatasetsTab } from './datasets/datasets-tab';
import { ErrorBox } from './error-box';
import { formatCount } from './format';
import { describeForm } from './form-summary';
import { ProjectAnnotations } from './project-annotations';
import { ProjectFlagged } from './project-flagged';
import { ProjectImport } from './project-import';
import { ProjectOverview } from './project-overview';
import { ProjectSettings } from './project-settings';
import { GoldTab } from './gold/gold-tab';
import { PROJECT_TABS, type ProjectTab } from './project-tabs';
import { QualityTab } from './quality/quality-tab';
import { TrainingTab } from './training/training-tab';

const TAB_LABELS: Record<ProjectTab, string> = {
  overview: 'Overview',
  import: 'Import',
  annotations: 'Annotations',
  flagged: 'Flagged',
  training: 'Training',
  datasets: 'Datasets',
  gold: 'Gold',
  quality: 'Quality',
  settings: 'Settings',
};

export function ProjectAdmin({ projectId, initialTab }: { projectId: number; initialTab: ProjectTab }) {
  const trpc = useTRPC();
  const [tab, setTab] = useState<ProjectTab>(initialTab);
  // The annotator view has the guidelines and form; the admin list adds overlap and the time windows.
  const project = useQuery(trpc.projects.get.queryOptions({ projectId }));
  const settings = useQuery({ ...trpc.projects.adminList.queryOptions(), select: (rows) => rows.find((row) => row.id === projectId) });
  const flaggedCount = settings.data?.taskCounts.flagged ?? 0;

  const chooseTab = (next: ProjectTab) => {
    setTab(next);
    const url = new URL(window.location.href);
    if (next === 'overview') url.searchParams.delete('tab');
    else url.searchParams.set('tab', next);
    window.history.replaceState(null, '', url);
  };

  if (project.error) return <ErrorBox error={project.error} />;
  return (
    <div className="space-y-4">
      <div>
        <Link href="/admin" className="text-xs text-slate-500 hover:text-slate-800">
          ← Projects
        </Link>
        <h1 className="text-xl font-semibold tracking-tight" data-testid="project-title">
          {project.data?.name ?? '…'}
        </h1>
        {project.data && (
          <p className="text-xs text-slate-500" data-testid="project-summary">
            #{project.data.id} · {describeForm(project.data.form)} · {project.data.completionsPerTask} completion{project.data.completionsPerTask === 1 ? '' : 's'} per task
            {settings.data &&
              ` · overlap ${settings.data.overlap} · ${formatCount(settings.data.promptCount)} prompts · lease ${formatCount(settings.data.leaseSeconds)} s · undo ${formatCount(settings.data.undoSeconds)} s`}
          </p>
        )}
      </div>
      <nav className="flex gap-1 border-b border-slate-200" role="tablist">
        {PROJECT_TABS.map((name) => (
          <button
            key={name}
            type="button"
            role="tab"
            aria-selected={tab === name}
            data-testid={`project-tab-${name}`}
            onClick={() => chooseTab(name)}
            className={`-mb-px border-b-2 px-3 py-1.5 text-sm font-medium ${tab === name ? 'border-indigo-600 text-indigo-700' : 'border-transparent text-slate-500 hover:text-slate-800'}`}
          >
            {TAB_LABELS[name]}
            {name === 'flagged' && flaggedCount > 0 && <span className="ml-1.5 rounded-full bg-amber-100 px-1.5 text-xs text-amber-800">{formatCount(flaggedCount)}</span>}
          </button>
        ))}
      </nav>
      <div role="tabpanel">
        {tab === 'overview' && <ProjectOverview projectId={projectId} />}
        {tab === 'import' && <ProjectImport projectId={projectId} />}
        {tab === 'annotations' && <ProjectAnnotations projectId={projectId} />}
        {tab === 'flagged' && <ProjectFlagged projectId={projectId} />}
        {tab === 'training' && <TrainingTab projectId={projectId} />}
        {tab === 'datasets' && <DatasetsTab projectId={projectId} />}
        {tab === 'gold' && <GoldTab projectId={projectId} />}
        {tab === 'quality' && <QualityTab projectId={projectId} />}
        {tab === 'settings' &&
          (project.data && settings.data ? (
            <ProjectSettings key={settings.data.updatedAt.getTime()} projectId={projectId} initial={{ name: project.data.name, guidelines: project.data.guidelines, overlap: settings.data.overlap }} />
          ) : (
            <p className="text-sm text-slate-500">Loading…</p>
          ))}
      </div>
    </div>
  );
}
