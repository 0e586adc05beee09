'use client';
/**
 * Live training curves with recharts: one small line chart per curve name, grouped by prefix
 * ("reward/…", "policy/…", "objective/…"). A chart may overlay several series (two versions'
 * rounds in the comparison); their points are merged by step.
 */
import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import { formatNumber } from '../format';
import { groupCurveNames, type CurvePoint, type Curves } from './training-json';

export type CurveSeries = { label: string; color: string; points: CurvePoint[] };

export const SERIES_COLORS = ['#6366f1', '#f59e0b', '#10b981', '#ef4444'];

function mergeByStep(series: CurveSeries[]): Record<string, number>[] {
  const rows = new Map<number, Record<string, number>>();
  series.forEach((s, i) => {
    for (const point of s.points) {
      const row = rows.get(point.step) ?? { step: point.step };
      row[`s${i}`] = point.value;
      rows.set(point.step, row);
    }
  });
  return [...rows.values()].sort((a, b) => a.step - b.step);
}

export function CurveChart({ name, series }: { name: string; series: CurveSeries[] }) {
  const data = mergeByStep(series);
  const last = series.length === 1 ? series[0].points.at(-1) : undefined;
  return (
    <figure className="rounded-md border border-slate-200 p-2" data-testid={`curve-chart-${name}`} data-points={data.length}>
      <figcaption className="mb-1 flex items-baseline justify-between gap-2 text-xs">
        <span className="font-mono font-medium text-slate-700">{name}</span>
        {last && (
          <span className="tabular-nums text-slate-500">
            step {last.step}: {formatNumber(last.value)}
          </span>
        )}
      </figcaption>
      <LineChart responsive style={{ width: '100%', height: 150 }} data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }} accessibilityLayer>
        <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" />
        <XAxis dataKey="step" type="number" domain={['dataMin', 'dataMax']} tick={{ fontSize: 10 }} />
        <YAxis width={48} tick={{ fontSize: 10 }} domain={['auto', 'auto']} tickFormatter={(v: number) => formatNumber(v)} />
        <Tooltip formatter={(value) => (typeof value === 'number' ? formatNumber(value) : String(value))} labelFormatter={(step) => `step ${String(step)}`} />
        {series.length > 1 && <Legend wrapperStyle={{ fontSize: 11 }} />}
        {series.map((s, i) => (
          <Line key={s.label} dataKey={`s${i}`} name={s.label} stroke={s.color} dot={false} strokeWidth={1.5} connectNulls isAnimationActive={false} />
        ))}
      </LineChart>
    </figure>
  );
}

/** Every curve of one or more runs, grouped by prefix; one series per run. */
export function CurveGrid({ runs, emptyText }: { runs: { label: string; curves: Curves }[]; emptyText: string }) {
  const names = [...new Set(runs.flatMap((run) => Object.keys(run.curves)))];
  if (names.length === 0) return <p className="text-sm text-slate-500">{emptyText}</p>;
  return (
    <div className="space-y-3" data-testid="curve-grid">
      {groupCurveNames(names).map(([prefix, group]) => (
        <section key={prefix} data-testid={`curve-group-${prefix}`}>
          <h4 className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">{prefix}</h4>
          <div className="grid gap-2 sm:grid-cols-2 xl:grid-cols-3">
            {group.map((name) => (
              <CurveChart key={name} name={name} series={runs.map((run, i) => ({ label: run.label, color: SERIES_COLORS[i % SERIES_COLORS.length], points: run.curves[name] ?? [] }))} />
            ))}
          </div>
        </section>
      ))}
    </div>
  );
}
