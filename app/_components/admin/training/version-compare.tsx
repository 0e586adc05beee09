'use client';
/**
 * Policy versions side by side: every metric with the difference (last minus first), their rounds'
 * curves overlaid, and each version's answer to the evaluation prompts they share.
 *
 * training.compare returns each version's round curves but not its evaluation samples, so those
 * come from training.round for each version's round.
 */
import { useQueries, useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/app/_trpc/react';
import { ErrorBox } from '../error-box';
import { formatDifference, formatNumber } from '../format';
import { cardClass, smallButtonClass, tableClass, tdClass, thClass } from '../ui';
import { CurveGrid } from './curve-charts';
import { flattenNumbers, metricLabel, readCurves, readSamples } from './training-json';
import type { ComparedVersion } from './training-types';

function CompareMetrics({ versions }: { versions: ComparedVersion[] }) {
  const columns = versions.map((v) => new Map(flattenNumbers(v.metrics).map((leaf) => [leaf.path, leaf.value])));
  const paths = [...new Set(columns.flatMap((column) => [...column.keys()]))].sort();
  if (paths.length === 0) return <p className="text-sm text-slate-500">Neither version has metrics.</p>;
  return (
    <table className={tableClass} data-testid="compare-metrics">
      <thead>
        <tr>
          <th className={thClass}>Metric</th>
          {versions.map((v) => (
            <th key={v.id} className={`${thClass} text-right`}>
              {v.name}
            </th>
          ))}
          <th className={`${thClass} text-right`}>Difference</th>
        </tr>
      </thead>
      <tbody>
        {paths.map((path) => {
          const first = columns[0].get(path);
          const last = columns[columns.length - 1].get(path);
          return (
            <tr key={path} data-testid={`compare-metric-${path}`}>
              <td className={tdClass}>{metricLabel(path)}</td>
              {columns.map((column, i) => (
                <td key={versions[i].id} className={`${tdClass} text-right tabular-nums`}>
                  {formatNumber(column.get(path))}
                </td>
              ))}
              <td className={`${tdClass} text-right tabular-nums`} data-testid={`compare-difference-${path}`}>
                {first !== undefined && last !== undefined ? formatDifference(last - first) : '—'}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function CompareSamples({ versions }: { versions: ComparedVersion[] }) {
  const trpc = useTRPC();
  const rounds = useQueries({ queries: versions.map((v) => ({ ...trpc.training.round.queryOptions({ runId: v.run?.id ?? 0 }), enabled: !!v.run })) });
  if (rounds.some((r) => r.isLoading)) return <p className="text-sm text-slate-500">Loading evaluation samples…</p>;
  const answers = rounds.map((r) => new Map(readSamples(r.data?.metrics).map((s) => [s.prompt, s])));
  const shared = [...answers[0].keys()].filter((prompt) => answers.every((byPrompt) => byPrompt.has(prompt)));
  if (shared.length === 0) return <p className="text-sm text-slate-500">These versions have no evaluation prompts in common.</p>;
  return (
    <table className={`${tableClass} table-fixed`} data-testid="compare-samples">
      <thead>
        <tr>
          <th className={`${thClass} w-1/4`}>Prompt</th>
          {versions.map((v) => (
            <th key={v.id} className={thClass}>
              {v.name}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {shared.map((prompt) => (
          <tr key={prompt}>
            <td className={`${tdClass} whitespace-pre-wrap break-words text-slate-600`}>{prompt}</td>
            {answers.map((byPrompt, i) => {
              const sample = byPrompt.get(prompt);
              return (
                <td key={versions[i].id} className={`${tdClass} whitespace-pre-wrap break-words`}>
                  {sample?.next}
                  {sample?.judgeNew !== null && sample?.judgeNew !== undefined && <div className="mt-1 text-xs text-slate-500">judge {formatNumber(sample.judgeNew)}</div>}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function VersionCompare({ versionIds, onClose }: { versionIds: number[]; onClose: () => void }) {
  const trpc = useTRPC();
  const compare = useQuery(trpc.training.compare.queryOptions({ versionIds }));
  return (
    <section className={`${cardClass} space-y-4 p-4`} data-testid="version-compare">
      <div className="flex items-center">
        <h2 className="mr-auto text-base font-semibold">Compare {compare.data ? compare.data.map((v) => v.name).join(' and ') : 'versions'}</h2>
        <button type="button" className={smallButtonClass} onClick={onClose} data-testid="version-compare-close">
          Close
        </button>
      </div>
      <ErrorBox error={compare.error} testId="version-compare-error" />
      {!compare.data && !compare.error && <p className="text-sm text-slate-500">Loading…</p>}
      {compare.data && (
        <>
          <CompareMetrics versions={compare.data} />
          <div className="space-y-2">
            <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Their rounds&apos; curves</h3>
            <CurveGrid
              runs={compare.data.map((v) => ({ label: v.run ? `${v.name} (round ${v.run.number})` : v.name, curves: readCurves(v.run?.curves) }))}
              emptyText="Neither version's round recorded curves."
            />
          </div>
          <div className="space-y-2">
            <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Answers to the same evaluation prompts</h3>
            <CompareSamples versions={compare.data} />
          </div>
        </>
      )}
    </section>
  );
}
