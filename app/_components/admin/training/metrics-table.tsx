/** Every numeric leaf of a metrics object, in a table; nothing is hard-coded but a few labels. */
import { formatNumber } from '../format';
import { tableClass, tdClass, thClass } from '../ui';
import { flattenNumbers, metricLabel } from './training-json';

export function MetricsTable({ metrics, testId = 'round-metrics' }: { metrics: unknown; testId?: string }) {
  const leaves = flattenNumbers(metrics);
  if (leaves.length === 0) return <p className="text-sm text-slate-500">No metrics yet.</p>;
  return (
    <table className={tableClass} data-testid={testId}>
      <thead>
        <tr>
          <th className={thClass}>Metric</th>
          <th className={`${thClass} text-right`}>Value</th>
        </tr>
      </thead>
      <tbody>
        {leaves.map((leaf) => (
          <tr key={leaf.path} data-testid={`metric-${leaf.path}`}>
            <td className={tdClass}>
              {metricLabel(leaf.path)}
              {metricLabel(leaf.path) !== leaf.path && <span className="ml-1.5 font-mono text-xs text-slate-400">{leaf.path}</span>}
            </td>
            <td className={`${tdClass} text-right tabular-nums`}>{formatNumber(leaf.value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
