'use client';
/** Judged quality and mean reward of each policy version, oldest to newest, as grouped bars. */
import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from 'recharts';
import { formatNumber } from '../format';
import { readKeyMetrics } from './training-json';
import type { VersionRow } from './training-types';

export function VersionsChart({ versions }: { versions: VersionRow[] }) {
  const data = versions
    .filter((v) => v.kind === 'POLICY')
    .map((v) => ({ name: v.name, ...readKeyMetrics(v.metrics) }))
    .filter((row) => row.judgedQuality !== null || row.meanReward !== null)
    .reverse();
  if (data.length === 0) return null;
  return (
    <figure className="rounded-lg border border-slate-200 bg-white p-3" data-testid="versions-chart">
      <figcaption className="mb-1 text-xs font-medium text-slate-700">Policy versions: judged quality and mean reward</figcaption>
      <BarChart responsive style={{ width: '100%', height: 220 }} data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }} accessibilityLayer>
        <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="name" tick={{ fontSize: 11 }} />
        <YAxis width={48} tick={{ fontSize: 10 }} tickFormatter={(v: number) => formatNumber(v)} />
        <Tooltip formatter={(value) => (typeof value === 'number' ? formatNumber(value) : String(value))} />
        <Legend wrapperStyle={{ fontSize: 11 }} />
        <Bar dataKey="judgedQuality" name="Judged quality" fill="#6366f1" isAnimationActive={false} />
        <Bar dataKey="meanReward" name="Mean reward" fill="#10b981" isAnimationActive={false} />
      </BarChart>
    </figure>
  );
}
