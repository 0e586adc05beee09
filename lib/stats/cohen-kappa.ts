/**
 * Cohen's kappa between two annotators who rated the same units: κ = (p_o − p_e) / (1 − p_e),
 * p_o the observed share of agreement, p_e the agreement expected from each annotator's own
 * marginal frequencies. Weighted kappa (for ordered scores) replaces "agree" by a disagreement
 * weight: κ_w = 1 − Σ w_ij o_ij / Σ w_ij e_ij, with w = |i − j| (linear) or (i − j)² (quadratic)
 * on the values themselves.
 *
 * Input is the contingency table as cells (value of the first annotator, value of the second,
 * count): SQL returns exactly that per annotator pair, and a bootstrap over units is a
 * multinomial reweighting of the cells.
 */
import { bootstrapInterval, type BootstrapOptions, type Interval } from './bootstrap';

export type KappaCell = readonly [first: number, second: number, count: number];
export type KappaWeights = 'none' | 'linear' | 'quadratic';

/** Kappa of the cells (counts replaced by `weights` when given); NaN when undefined (no units, or both always gave one same value). */
export function cohenKappa(cells: readonly KappaCell[], kind: KappaWeights = 'none', weights?: readonly number[]): number {
  let n = 0;
  const rows = new Map<number, number>();
  const columns = new Map<number, number>();
  cells.forEach(([a, b, c], i) => {
    const count = weights ? weights[i] : c;
    n += count;
    rows.set(a, (rows.get(a) ?? 0) + count);
    columns.set(b, (columns.get(b) ?? 0) + count);
  });
  if (n === 0) return Number.NaN;
  const distance = (a: number, b: number) => (kind === 'none' ? (a === b ? 0 : 1) : kind === 'linear' ? Math.abs(a - b) : (a - b) ** 2);
  let observed = 0;
  cells.forEach(([a, b, c], i) => {
    observed += (weights ? weights[i] : c) * distance(a, b);
  });
  let expected = 0;
  for (const [a, ra] of rows) for (const [b, cb] of columns) expected += (ra * cb * distance(a, b)) / n;
  if (expected === 0) return Number.NaN;
  return 1 - observed / expected;
}

/** Cells from a list of paired ratings. */
export function kappaCells(pairs: readonly (readonly [number, number])[]): KappaCell[] {
  const counts = new Map<string, [number, number, number]>();
  for (const [a, b] of pairs) {
    const key = `${a},${b}`;
    const cell = counts.get(key);
    if (cell) cell[2] += 1;
    else counts.set(key, [a, b, 1]);
  }
  return [...counts.values()];
}

export function cohenKappaWithInterval(cells: readonly KappaCell[], kind: KappaWeights = 'none', options: BootstrapOptions = {}): { value: number; interval: Interval | null } {
  return {
    value: cohenKappa(cells, kind),
    interval: bootstrapInterval(
      cells.map((c) => c[2]),
      (weights) => cohenKappa(cells, kind, weights),
      options,
    ),
  };
}
