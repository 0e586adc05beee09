/**
 * Krippendorff's alpha, from a coincidence matrix (Krippendorff 2011, "Computing Krippendorff's
 * Alpha-Reliability"): α = 1 − (n − 1) · Σ o_ck δ²_ck / Σ n_c n_k δ²_ck, where o_ck counts the
 * ordered pairs of values (c, k) given to the same unit (each unit's pairs weighted 1 / (m_u − 1),
 * m_u its number of values), n_c = Σ_k o_ck and n = Σ n_c. Units with fewer than two values are
 * not pairable and drop out, which is how missing data is handled.
 *
 * Units are passed as value patterns (which values a unit received, how many times each) with
 * the number of units sharing the pattern: a unit's contribution depends on nothing else, so a
 * million annotations reduce to a few dozen patterns (grouped in SQL), and a bootstrap over
 * units reweights those patterns (lib/stats/bootstrap.ts).
 *
 * Levels of measurement (the difference function δ²):
 * - nominal: 0 when equal, else 1 (pairwise choices, thumbs, categories);
 * - ordinal: (Σ_{g=c..k} n_g − (n_c + n_k) / 2)², ranks by the marginal frequencies (Likert, attribute scores);
 * - interval: (c − k)² (rank positions of a ranking: see server/quality/agreement.ts);
 * - ratio: ((c − k) / (c + k))².
 */
import { bootstrapInterval, type BootstrapOptions, type Interval } from './bootstrap';

export type MeasurementLevel = 'nominal' | 'ordinal' | 'interval' | 'ratio';

/** The values one kind of unit received: [value, how many coders gave it]; `units` units look like this. */
export type UnitPattern = { values: readonly (readonly [number, number])[]; units: number };

/**
 * Groups units (each the list of values its coders gave; null or undefined = missing) into patterns.
 */
export function patternsOfUnits(units: readonly (readonly (number | null | undefined)[])[]): UnitPattern[] {
  const byKey = new Map<string, UnitPattern>();
  for (const unit of units) {
    const counts = new Map<number, number>();
    for (const v of unit) if (v !== null && v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
    const values = [...counts.entries()].sort((a, b) => a[0] - b[0]);
    const key = values.map(([v, c]) => `${v}:${c}`).join(',');
    const existing = byKey.get(key);
    if (existing) existing.units += 1;
    else byKey.set(key, { values, units: 1 });
  }
  return [...byKey.values()];
}

/** Units from reliability data laid out as in Krippendorff's paper: one row per coder, one column per unit. */
export function unitsOfCoderRows(rows: readonly (readonly (number | null)[])[]): (number | null)[][] {
  const unitCount = Math.max(0, ...rows.map((r) => r.length));
  return Array.from({ length: unitCount }, (_, u) => rows.map((r) => r[u] ?? null));
}

export type CoincidenceMatrix = { values: number[]; matrix: number[][]; n: number };

/** The coincidence matrix of the patterns, each pattern counted `weights[i]` times (default: its units). */
export function coincidenceMatrix(patterns: readonly UnitPattern[], weights?: readonly number[]): CoincidenceMatrix {
  const values = [...new Set(patterns.flatMap((p) => p.values.map(([v]) => v)))].sort((a, b) => a - b);
  const index = new Map(values.map((v, i) => [v, i]));
  const matrix = values.map(() => values.map(() => 0));
  let n = 0;
  patterns.forEach((pattern, p) => {
    const weight = weights ? weights[p] : pattern.units;
    const m = pattern.values.reduce((s, [, c]) => s + c, 0);
    if (m < 2 || weight === 0) return;
    for (const [c, nc] of pattern.values) {
      for (const [k, nk] of pattern.values) {
        const pairs = c === k ? nc * (nc - 1) : nc * nk;
        const i = index.get(c) as number;
        const j = index.get(k) as number;
        matrix[i][j] += (weight * pairs) / (m - 1);
      }
    }
    n += weight * m;
  });
  return { values, matrix, n };
}

/** α of a coincidence matrix; NaN when undefined (fewer than two pairable values, or no variation at all). */
export function alphaOfCoincidences(coincidences: CoincidenceMatrix, level: MeasurementLevel): number {
  const { values, matrix, n } = coincidences;
  if (n < 2) return Number.NaN;
  const marginals = matrix.map((row) => row.reduce((s, x) => s + x, 0));
  const delta = differenceFunction(values, marginals, level);
  let observed = 0;
  let expected = 0;
  for (let i = 0; i < values.length; i += 1) {
    for (let j = 0; j < values.length; j += 1) {
      const d = delta(i, j);
      observed += matrix[i][j] * d;
      expected += marginals[i] * marginals[j] * d;
    }
  }
  if (expected === 0) return Number.NaN;
  return 1 - ((n - 1) * observed) / expected;
}

function differenceFunction(values: number[], marginals: number[], level: MeasurementLevel): (i: number, j: number) => number {
  switch (level) {
    case 'nominal':
      return (i, j) => (i === j ? 0 : 1);
    case 'interval':
      return (i, j) => (values[i] - values[j]) ** 2;
    case 'ratio':
      return (i, j) => (values[i] + values[j] === 0 ? 0 : ((values[i] - values[j]) / (values[i] + values[j])) ** 2);
    case 'ordinal': {
      // Cumulative marginals: the sum over g from c to k of n_g is prefix[k + 1] - prefix[c].
      const prefix = [0];
      for (const m of marginals) prefix.push(prefix[prefix.length - 1] + m);
      return (i, j) => {
        const [lo, hi] = i <= j ? [i, j] : [j, i];
        return (prefix[hi + 1] - prefix[lo] - (marginals[i] + marginals[j]) / 2) ** 2;
      };
    }
  }
}

/** Krippendorff's alpha of unit patterns. */
export function krippendorffAlpha(patterns: readonly UnitPattern[], level: MeasurementLevel, weights?: readonly number[]): number {
  return alphaOfCoincidences(coincidenceMatrix(patterns, weights), level);
}

/** α with a percentile bootstrap interval over units. */
export function krippendorffAlphaWithInterval(patterns: readonly UnitPattern[], level: MeasurementLevel, options: BootstrapOptions = {}): { value: number; interval: Interval | null } {
  const pairable = patterns.filter((p) => p.values.reduce((s, [, c]) => s + c, 0) >= 2);
  return {
    value: krippendorffAlpha(pairable, level),
    interval: bootstrapInterval(
      pairable.map((p) => p.units),
      (weights) => krippendorffAlpha(pairable, level, weights),
      options,
    ),
  };
}
