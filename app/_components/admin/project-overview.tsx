'use client';
/** A project's progress: tasks by status, per-annotator work and time, skips and flags, and the answer charts. */
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/app/_trpc/react';
import { AnswerCharts } from './answer-charts';
import { StackedBarChart } from './bar-chart';
import { ErrorBox } from './error-box';
import { formatCount, formatDuration } from './format';
import { cardClass, tableClass, tdClass, thClass } from './ui';

const SERIES = [
  { key: 'submitted', label: 'Submitted', color: 'var(--color-indigo-500)' },
  { key: 'skipped', label: 'Skipped', color: 'var(--color-slate-400)' },
  { key: 'flagged', label: 'Flagged', color: 'var(--color-amber-500)' },
];

export function ProjectOverview({ projectId }: { projectId: number }) {
  const trpc = useTRPC();
  const stats = useQuery(trpc.oversee.projectStats.queryOptions({ projectId }));
  if (stats.error) return <ErrorBox error={stats.error} />;
  if (!stats.data) return <p className="text-sm text-slate-500">Loading statistics…</p>;
  const { annotationsByAnnotator, medianTimeMs, skipCount, flagCount, taskCount: totalTasks } = stats.data;
  const { OPEN: open, DONE: done, FLAGGED: flagged } = stats.data.tasksByStatus;
  return (
    <div className="space-y-5" data-testid="project-overview">
      <div className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6">
        <Stat label="Tasks" value={formatCount(totalTasks)} testId="stat-tasks-total" />
        <Stat label="Open" value={formatCount(open)} testId="stat-tasks-open" />
        <Stat label="Done" value={formatCount(done)} testId="stat-tasks-done" tone="text-emerald-700" />
        <Stat label="Flagged" value={formatCount(flagged)} testId="stat-tasks-flagged" tone={flagged ? 'text-amber-700' : undefined} />
        <Stat label="Median time / task" value={formatDuration(medianTimeMs)} testId="stat-median-time" />
        <Stat label="Skips · flags" value={`${formatCount(skipCount)} · ${formatCount(flagCount)}`} testId="stat-skips-flags" />
      </div>
      {totalTasks > 0 && <StatusBar open={open} done={done} flagged={flagged} />}

      <AnswerCharts projectId={projectId} />

      <section className={`${cardClass} overflow-x-auto`}>
        <h2 className="border-b border-slate-200 px-3 py-2 text-sm font-semibold">Annotators</h2>
        {annotationsByAnnotator.length === 0 ? (
          <p className="px-3 py-4 text-sm text-slate-500">No annotations yet.</p>
        ) : (
          <div className="grid items-start gap-4 p-3 xl:grid-cols-[1fr_30rem]">
            <table className={tableClass} data-testid="annotator-stats">
              <thead>
                <tr>
                  <th className={thClass}>Annotator</th>
                  <th className={`${thClass} text-right`}>Submitted</th>
                  <th className={`${thClass} text-right`}>Skipped</th>
                  <th className={`${thClass} text-right`}>Flagged</th>
                  <th className={`${thClass} text-right`}>Median time</th>
                </tr>
              </thead>
              <tbody>
                {annotationsByAnnotator.map((row) => (
                  <tr key={row.userId} data-testid={`annotator-stats-${row.userId}`}>
                    <td className={tdClass}>
                      {row.name}
                      <span className="ml-1.5 text-xs text-slate-400">{row.email}</span>
                    </td>
                    <td className={`${tdClass} text-right tabular-nums`}>{formatCount(row.submitted)}</td>
                    <td className={`${tdClass} text-right tabular-nums`}>{formatCount(row.skipped)}</td>
                    <td className={`${tdClass} text-right tabular-nums`}>{formatCount(row.flagged)}</td>
                    <td className={`${tdClass} text-right tabular-nums`}>{formatDuration(row.medianTimeMs)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <StackedBarChart
              title="Annotations per annotator"
              testId="annotator-chart"
              series={SERIES}
              rows={annotationsByAnnotator.map((row) => ({ label: row.name, values: { submitted: row.submitted, skipped: row.skipped, flagged: row.flagged } }))}
            />
          </div>
        )}
      </section>
    </div>
  );
}

function Stat({ label, value, testId, tone }: { label: string; value: number | string; testId: string; tone?: string }) {
  return (
    <div className={`${cardClass} px-3 py-2`}>
      <div className="text-xs text-slate-500">{label}</div>
      <div className={`text-lg font-semibold tabular-nums ${tone ?? 'text-slate-900'}`} data-testid={testId}>
        {value}
      </div>
    </div>
  );
}

/** Progress through the project as one bar: done, flagged, open. */
function StatusBar({ open, done, flagged }: { open: number; done: number; flagged: number }) {
  const total = open + done + flagged;
  const pct = (n: number) => `${(n / total) * 100}%`;
  return (
    <div className="flex h-2 overflow-hidden rounded-full bg-slate-200" title={`${formatCount(done)} done, ${formatCount(flagged)} flagged, ${formatCount(open)} open`}>
      <div className="bg-emerald-500" style={{ width: pct(done) }} />
      <div className="bg-amber-400" style={{ width: pct(flagged) }} />
    </div>
  );
}
