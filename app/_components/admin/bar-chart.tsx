/**
 * A small horizontal stacked bar chart in plain SVG: one row per annotator, one segment per
 * series. Enough for a dozen annotators without pulling in a charting library. Colours are
 * Tailwind theme variables (var(--color-…)), which the dark theme remaps.
 */
import { formatCount } from './format';

export type BarSeries = { key: string; label: string; color: string };
export type BarRow = { label: string; values: Record<string, number> };

const ROW_HEIGHT = 22;
const LABEL_WIDTH = 140;
const VALUE_WIDTH = 48;
const CHART_WIDTH = 560;

export function StackedBarChart({ rows, series, title, testId }: { rows: BarRow[]; series: BarSeries[]; title: string; testId?: string }) {
  const totals = rows.map((row) => series.reduce((sum, s) => sum + (row.values[s.key] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const barWidth = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  const height = rows.length * ROW_HEIGHT + 4;
  return (
    <figure data-testid={testId} className="w-full">
      <figcaption className="mb-1 flex flex-wrap items-center gap-3 text-xs text-slate-500">
        <span className="font-medium text-slate-700">{title}</span>
        {series.map((s) => (
          <span key={s.key} className="flex items-center gap-1">
            <span className="inline-block size-2.5 rounded-sm" style={{ backgroundColor: s.color }} />
            {s.label}
          </span>
        ))}
      </figcaption>
      <svg
        viewBox={`0 0 ${CHART_WIDTH} ${height}`}
        width="100%"
        style={{ maxWidth: CHART_WIDTH }}
        role="img"
        aria-label={`${title}: ${rows.map((row, i) => `${row.label} ${formatCount(totals[i])}`).join(', ')}`}
      >
        {rows.map((row, i) => {
          const y = i * ROW_HEIGHT + 2;
          let x = LABEL_WIDTH;
          return (
            <g key={`${row.label}-${i}`}>
              <text x={LABEL_WIDTH - 6} y={y + ROW_HEIGHT / 2 + 4} textAnchor="end" fontSize="11" fill="var(--color-slate-700)">
                {row.label.length > 20 ? `${row.label.slice(0, 19)}…` : row.label}
              </text>
              <rect x={LABEL_WIDTH} y={y + 3} width={barWidth} height={ROW_HEIGHT - 6} fill="var(--color-slate-100)" rx="2" />
              {series.map((s) => {
                const value = row.values[s.key] ?? 0;
                const width = (value / max) * barWidth;
                const segment = (
                  <rect key={s.key} x={x} y={y + 3} width={width} height={ROW_HEIGHT - 6} fill={s.color}>
                    <title>{`${s.label}: ${formatCount(value)}`}</title>
                  </rect>
                );
                x += width;
                return segment;
              })}
              <text x={CHART_WIDTH - VALUE_WIDTH + 6} y={y + ROW_HEIGHT / 2 + 4} fontSize="11" fill="var(--color-slate-600)" className="tabular-nums">
                {formatCount(totals[i])}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
