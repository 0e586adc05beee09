'use client';
/**
 * Annotator × annotator Cohen's kappa as an SVG grid. Every cell has a text label (the kappa) and
 * an accessible name (who, kappa, interval, shared tasks), so the colour is never the only carrier.
 */
import { formatCount, formatStatistic } from './quality-format';
import type { QualityAgreement } from './types';

const CELL = 44;
const LABEL = 140;

/** Red (−1 … 0) to white (0) to indigo (1). */
function colourOf(kappa: number | null): string {
  if (kappa === null) return '#f1f5f9';
  const t = Math.max(-1, Math.min(1, kappa));
  if (t >= 0) return `rgb(${Math.round(255 - 176 * t)}, ${Math.round(255 - 185 * t)}, ${Math.round(255 - 26 * t)})`;
  return `rgb(${Math.round(255 + 0 * t)}, ${Math.round(255 + 155 * t)}, ${Math.round(255 + 155 * t)})`;
}

export function KappaHeatmap({ heatmap }: { heatmap: NonNullable<QualityAgreement['heatmap']> }) {
  const { annotators, pairs } = heatmap;
  if (annotators.length < 2) return <p className="text-sm text-slate-500">No two annotators have answered the same task yet.</p>;
  const byPair = new Map(pairs.flatMap((p) => [[`${p.a}|${p.b}`, p] as const, [`${p.b}|${p.a}`, p] as const]));
  const size = LABEL + CELL * annotators.length;
  return (
    <div className="overflow-x-auto">
      <svg width={size} height={size} role="group" aria-label={`Cohen's kappa between annotators on ${heatmap.label}`} data-testid="kappa-heatmap">
        {annotators.map((a, i) => (
          <g key={a.userId}>
            <text x={LABEL - 6} y={LABEL + i * CELL + CELL / 2 + 4} textAnchor="end" fontSize="11" className="fill-slate-700">
              {a.name.length > 20 ? `${a.name.slice(0, 19)}…` : a.name}
            </text>
            <text x={LABEL + i * CELL + CELL / 2} y={LABEL - 6} fontSize="11" className="fill-slate-700" transform={`rotate(-45 ${LABEL + i * CELL + CELL / 2} ${LABEL - 6})`}>
              {a.name.length > 20 ? `${a.name.slice(0, 19)}…` : a.name}
            </text>
          </g>
        ))}
        {annotators.map((row, i) =>
          annotators.map((column, j) => {
            const x = LABEL + j * CELL;
            const y = LABEL + i * CELL;
            if (i === j) return <rect key={`${row.userId}-${column.userId}`} x={x} y={y} width={CELL} height={CELL} fill="#e2e8f0" stroke="#fff" />;
            const pair = byPair.get(`${row.userId}|${column.userId}`);
            const kappa = pair?.kappa?.value ?? null;
            const label = pair
              ? `${row.name} and ${column.name}: kappa ${formatStatistic(kappa)}${pair.kappa?.low != null && pair.kappa.high != null ? ` (95% interval ${formatStatistic(pair.kappa.low)} to ${formatStatistic(pair.kappa.high)})` : ''}, ${formatCount(pair.units)} shared tasks`
              : `${row.name} and ${column.name}: no shared tasks`;
            return (
              <g key={`${row.userId}-${column.userId}`} role="img" aria-label={label} data-testid={`kappa-cell-${i}-${j}`}>
                <title>{label}</title>
                <rect x={x} y={y} width={CELL} height={CELL} fill={colourOf(kappa)} stroke="#fff" />
                <text x={x + CELL / 2} y={y + CELL / 2 + 4} textAnchor="middle" fontSize="11" fill={kappa !== null && kappa > 0.6 ? '#fff' : '#0f172a'}>
                  {pair ? formatStatistic(kappa) : ''}
                </text>
              </g>
            );
          }),
        )}
      </svg>
    </div>
  );
}
