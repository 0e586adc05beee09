/**
 * Percentile bootstrap confidence intervals, resampling units (tasks) with replacement.
 *
 * Units are given as groups of identical units with their counts: a unit's contribution to a
 * statistic depends only on its type (for agreement, the multiset of values it received; for
 * Cohen's kappa, the cell of the contingency table), so resampling N units with replacement is
 * exactly a multinomial draw of N over the groups, weighted by their counts. At a million
 * annotations there are a few dozen groups, so a thousand replicates cost milliseconds. Plain
 * lists of units are the special case of groups of one.
 */
import { multinomialDrawInto, seededRandom } from './random';

export type Interval = { low: number; high: number };

export type BootstrapOptions = {
  /** Replicates (default 1000). */
  replicates?: number;
  /** Seed of the resampling: the same seed gives the same interval. */
  seed?: number;
  /** Coverage (default 0.95). */
  level?: number;
};

/** The q-quantile of sorted numbers (linear interpolation between order statistics, R type 7). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}

/**
 * A percentile interval for `statistic`, which receives how many times each group was drawn in a
 * replicate (same order as `counts`; the array is reused by the next replicate). Replicates where the statistic is undefined (NaN) are
 * dropped; null when none is defined.
 */
export function bootstrapInterval(counts: readonly number[], statistic: (weights: number[]) => number, options: BootstrapOptions = {}): Interval | null {
  const replicates = options.replicates ?? 1000;
  const level = options.level ?? 0.95;
  const random = seededRandom(options.seed ?? 1);
  const n = counts.reduce((s, c) => s + c, 0);
  if (n === 0) return null;
  const values: number[] = [];
  // One array reused by every replicate (the statistic reads it and keeps nothing).
  const weights = new Array<number>(counts.length).fill(0);
  for (let r = 0; r < replicates; r += 1) {
    const value = statistic(multinomialDrawInto(random, n, counts, weights));
    if (Number.isFinite(value)) values.push(value);
  }
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return { low: quantileSorted(values, tail), high: quantileSorted(values, 1 - tail) };
}

/** The same over a plain list of units: each is drawn independently with replacement. */
export function bootstrapUnits<T>(units: readonly T[], statistic: (sample: T[]) => number, options: BootstrapOptions = {}): Interval | null {
  return bootstrapInterval(
    units.map(() => 1),
    (weights) => {
      const sample: T[] = [];
      weights.forEach((w, i) => {
        for (let k = 0; k < w; k += 1) sample.push(units[i]);
      });
      return statistic(sample);
    },
    options,
  );
}
