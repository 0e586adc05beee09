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

/**
 * Kappa of fixed cells as a function of their counts: the categories, marginal slots and
 * disagreement weights are worked out once, so a bootstrap can call it thousands of times with
 * new counts at the cost of a few array passes.
 */
export function compileKappa(cells: readonly KappaCell[], kind: KappaWeights = 'none'): (counts: ArrayLike<number>) => number {
  const rowValues = [...new Set(cells.map((c) => c[0]))];
  const columnValues = [...new Set(cells.map((c) => c[1]))];
  const rowOf = Int32Array.from(cells.map((c) => rowValues.indexOf(c[0])));
  const columnOf = Int32Array.from(cells.map((c) => columnValues.indexOf(c[1])));
  const distance = (a: number, b: number) => (kind === 'none' ? (a === b ? 0 : 1) : kind === 'linear' ? Math.abs(a - b) : (a - b) ** 2);
  const cellDistance = Float64Array.from(cells.map((c) => distance(c[0], c[1])));
  const marginalDistance = rowValues.map((a) => Float64Array.from(columnValues.map((b) => distance(a, b))));
  const rows = new Float64Array(rowValues.length);
  const columns = new Float64Array(columnValues.length);
  return (counts) => {
    rows.fill(0);
    columns.fill(0);
    let n = 0;
    let observed = 0;
    for (let i = 0; i < cells.length; i += 1) {
      const count = counts[i];
      n += count;
      rows[rowOf[i]] += count;
      columns[columnOf[i]] += count;
      observed += count * cellDistance[i];
    }
    if (n === 0) return Number.NaN;
    let expected = 0;
    for (let a = 0; a < rows.length; a += 1) {
      if (rows[a] === 0) continue;
      const d = marginalDistance[a];
      for (let b = 0; b < columns.length; b += 1) expected += rows[a] * columns[b] * d[b];
    }
    expected /= n;
    if (expected === 0) return Number.NaN;
    return 1 - observed / expected;
  };
}

/** Kappa of the cells (counts replaced by `weights` when given); NaN when undefined (no units, or both always gave one same value). */
export function cohenKappa(cells: readonly KappaCell[], kind: KappaWeights = 'none', weights?: readonly number[]): number {
  return compileKappa(cells, kind)(weights ?? cells.map((c) => c[2]));
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
  const kappa = compileKappa(cells, kind);
  const counts = cells.map((c) => c[2]);
  return { value: kappa(counts), interval: bootstrapInterval(counts, kappa, options) };
}
