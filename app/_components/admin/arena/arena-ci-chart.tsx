'use client';
/**
 * Each version's score with its 95% interval as a horizontal error bar, best on top: the chart the
 * public arenas publish beside their leaderboards. The same numbers are in the table above it.
 */
import { CartesianGrid, ErrorBar, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { LeaderboardVersion } from './arena-types';

export function ArenaCiChart({ versions }: { versions: LeaderboardVersion[] }) {
  const rated = versions.filter((v) => v.score !== null && v.lower !== null && v.upper !== null);
  if (rated.length === 0) return null;
  // y: 0 for the last, so the best sits at the top.
  const data = rated.map((v, i) => ({
    name: v.name,
    y: rated.length - 1 - i,
    score: v.score as number,
    error: [(v.score as number) - (v.lower as number), (v.upper as number) - (v.score as number)],
  }));
  const summary = rated.map((v) => `${v.name} ${Math.round(v.score as number)} (${Math.round(v.lower as number)} to ${Math.round(v.upper as number)})`).join('; ');
  return (
    <figure className="rounded-md border border-slate-200 p-2" data-testid="arena-ci-chart">
      <figcaption className="mb-1 text-xs font-medium text-slate-700">Scores with 95% bootstrap intervals</figcaption>
      <p className="sr-only">{summary}</p>
      <ScatterChart responsive style={{ width: '100%', height: Math.max(120, 36 * rated.length + 40) }} margin={{ top: 4, right: 16, bottom: 4, left: 8 }} accessibilityLayer aria-label={summary}>
        <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" />
        <XAxis type="number" dataKey="score" domain={['auto', 'auto']} tick={{ fontSize: 10 }} tickFormatter={(v: number) => String(Math.round(v))} />
        <YAxis
          type="number"
          dataKey="y"
          domain={[-0.5, rated.length - 0.5]}
          ticks={data.map((d) => d.y)}
          width={110}
          tick={{ fontSize: 11 }}
          tickFormatter={(y: number) => data.find((d) => d.y === y)?.name ?? ''}
        />
        <Tooltip formatter={(value) => (typeof value === 'number' ? String(Math.round(value)) : String(value))} labelFormatter={() => ''} />
        <Scatter data={data} fill="#6366f1" isAnimationActive={false}>
          <ErrorBar dataKey="error" direction="x" width={6} stroke="#6366f1" />
        </Scatter>
      </ScatterChart>
    </figure>
  );
}
