/** Formatting for the Quality tab: statistics to three decimals, p-values, shares. */
import { formatCount } from '../format';

const FIXED3 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 3, maximumFractionDigits: 3 });
const PERCENT1 = new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** 0.74321 → "0.743"; null → "—". */
export function formatStatistic(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : FIXED3.format(value).replace('-', '−');
}

/** An estimate with its interval: "0.743 [0.650, 0.821]". */
export function formatEstimate(estimate: { value: number; low: number | null; high: number | null } | null): string {
  if (!estimate) return '—';
  if (estimate.low === null || estimate.high === null) return formatStatistic(estimate.value);
  return `${formatStatistic(estimate.value)} [${formatStatistic(estimate.low)}, ${formatStatistic(estimate.high)}]`;
}

export function formatPercent(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : PERCENT1.format(value);
}

/** p-values: "0.625", "0.0012", "< 0.0001". */
export function formatPValue(p: number): string {
  if (p < 0.0001) return '< 0.0001';
  if (p < 0.01) return p.toFixed(4);
  return p.toFixed(3);
}

export { formatCount };
