/** Number and time formatting for admin tables. */

/** 1234 ms → "1.2 s", 95000 → "1 min 35 s"; null → "—". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

export function formatDateTime(date: Date): string {
  return date.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** 1536 → "1.5 KiB", 3_500_000 → "3.3 MiB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/**
 * A metric for a table: integers as they are (with separators), other numbers to four significant
 * digits, tiny and huge ones in exponent form (a learning rate of 0.0001 reads as 1.000e-4).
 */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e6)) return value.toExponential(3);
  return String(Number(value.toPrecision(4)));
}

/** A signed difference: "+0.031", "−2", "0". */
export function formatDifference(value: number): string {
  if (value === 0) return '0';
  const text = formatNumber(Math.abs(value));
  return value > 0 ? `+${text}` : `−${text}`;
}

/** An estimate of time left: "about 1 min 5 s left"; null → "". */
export function formatEta(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '';
  if (seconds <= 0) return 'almost done';
  return `about ${formatDuration(seconds * 1000)} left`;
}

const COUNT_FORMAT = new Intl.NumberFormat('en-US');
const PERCENT_FORMAT = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });

/** A count with thousands separators: 1234567 → "1,234,567"; null → "—". */
export function formatCount(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : COUNT_FORMAT.format(value);
}

/** A share of a total: (1, 3) → "33.3%"; a zero total → "—". */
export function formatShare(part: number, total: number): string {
  return total > 0 ? PERCENT_FORMAT.format(part / total) : '—';
}
