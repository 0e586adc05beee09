/**
 * The Bradley-Terry model of pairwise votes, as the public chatbot arenas fit it: each player i
 * has a strength β_i, and i beats j with probability σ(β_i − β_j) = 1 / (1 + e^(β_j − β_i)).
 *
 * Input is the aggregated vote table, never the votes themselves: `wins[i][j]` votes where i beat j
 * and `ties[i][j]` (= `ties[j][i]`) ties, so a fit over a million votes costs the same as over ten.
 * A tie counts as half a win for each side (the arenas' convention; "both bad" is a tie too).
 *
 * Fit: Newton's method on the penalised log-likelihood
 *   ℓ(β) = Σ_{i≠j} w_ij · log σ(β_i − β_j) − (λ/2) Σ β_i²
 * where w_ij = wins[i][j] + ties[i][j] / 2. The small Gaussian prior λ (default 0.01, a prior
 * standard deviation of 10 logits) keeps a version that never lost finite and makes the optimum
 * unique; on real counts it moves scores by far less than a point. At the optimum Σβ = 0 exactly
 * (the gradient's sum is −λΣβ), so the fit is anchored at the mean: the average player scores 1000.
 * With λ = 0 the same anchor is imposed explicitly (Newton's system is solved with −11ᵀ added,
 * whose solution keeps Σβ fixed), which needs every player connected by games and no one undefeated.
 *
 * Scores are on the Elo-like scale the arenas publish: score = 1000 + (400 / ln 10) · β, so a
 * 400-point gap means 10:1 odds and equal scores mean even odds.
 *
 * Confidence intervals: a Poisson bootstrap over votes. Resampling the votes with replacement
 * gives each vote a Binomial(N, 1/N) ≈ Poisson(1) weight; summed over a cell of c identical votes
 * that is a Poisson(c) count, so a bootstrap round redraws each cell of the table as Poisson(c)
 * and refits, without touching the votes (Hanley & MacGibbon 2006). Intervals are percentiles of
 * the refitted scores, with a seeded generator so the same data give the same interval.
 */
import { seededRandom } from './random';

/** 400 / ln 10: one logit of strength in Elo points. */
export const ELO_PER_LOGIT = 400 / Math.LN10;
/** The score of a player of average strength. */
export const SCORE_ANCHOR = 1000;
export const DEFAULT_PRIOR = 0.01;

export type VoteTable = {
  /** wins[i][j]: votes in which i beat j (the diagonal is ignored). */
  wins: readonly (readonly number[])[];
  /** ties[i][j] = ties[j][i]: tied votes between i and j; omitted = none. */
  ties?: readonly (readonly number[])[];
};

export type FitOptions = {
  /** Precision λ of the Gaussian prior on each β (0 = plain maximum likelihood). */
  prior?: number;
  maxIterations?: number;
  /** Stop when no β moves by more than this. */
  tolerance?: number;
};

export type BradleyTerryFit = {
  /** Strengths in logits, Σβ = 0. */
  beta: number[];
  /** 1000 + (400 / ln 10) · β. */
  scores: number[];
  iterations: number;
  isConverged: boolean;
};

export function betaToScore(beta: number): number {
  return SCORE_ANCHOR + ELO_PER_LOGIT * beta;
}

/** Effective wins w_ij = wins + ties / 2, as a dense matrix. */
function effectiveWins(table: VoteTable): number[][] {
  const n = table.wins.length;
  return Array.from({ length: n }, (_, i) => {
    if (table.wins[i].length !== n) throw new RangeError(`wins must be square: row ${i} has ${table.wins[i].length} cells, expected ${n}`);
    return Array.from({ length: n }, (_, j) => {
      if (i === j) return 0;
      const w = table.wins[i][j] + (table.ties ? table.ties[i][j] / 2 : 0);
      if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`counts must be finite and non-negative (cell ${i},${j} is ${w})`);
      return w;
    });
  });
}

function logSigmoid(x: number): number {
  return x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
}

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

function objective(w: number[][], beta: number[], prior: number): number {
  let value = 0;
  for (let i = 0; i < beta.length; i += 1) {
    value -= (prior / 2) * beta[i] * beta[i];
    for (let j = 0; j < beta.length; j += 1) if (w[i][j] > 0) value += w[i][j] * logSigmoid(beta[i] - beta[j]);
  }
  return value;
}

/** Solves A x = b by Gaussian elimination with partial pivoting (A is small and dense); null when singular. */
function solve(a: number[][], b: number[]): number[] | null {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let col = 0; col < n; col += 1) {
    let pivot = col;
    for (let r = col + 1; r < n; r += 1) if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) pivot = r;
    if (Math.abs(m[pivot][col]) < 1e-12) return null;
    [m[col], m[pivot]] = [m[pivot], m[col]];
    for (let r = col + 1; r < n; r += 1) {
      const f = m[r][col] / m[col][col];
      if (f === 0) continue;
      for (let c = col; c <= n; c += 1) m[r][c] -= f * m[col][c];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r -= 1) {
    let s = m[r][n];
    for (let c = r + 1; c < n; c += 1) s -= m[r][c] * x[c];
    x[r] = s / m[r][r];
  }
  return x;
}

function fitEffective(w: number[][], options: FitOptions, start?: readonly number[]): BradleyTerryFit {
  const n = w.length;
  const prior = options.prior ?? DEFAULT_PRIOR;
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-10;
  if (prior < 0) throw new RangeError('prior must be >= 0');
  let beta = start ? [...start] : new Array<number>(n).fill(0);
  const mean = beta.reduce((s, b) => s + b, 0) / Math.max(1, n);
  beta = beta.map((b) => b - mean);
  if (n <= 1) return { beta, scores: beta.map(betaToScore), iterations: 0, isConverged: true };

  let current = objective(w, beta, prior);
  for (let iteration = 1; iteration <= maxIterations; iteration += 1) {
    // Gradient g and Hessian H of ℓ; the system (H − 11ᵀ) δ = −g gives the Newton step with Σδ = 0.
    const g = new Array<number>(n).fill(0);
    const h = Array.from({ length: n }, () => new Array<number>(n).fill(-1));
    for (let i = 0; i < n; i += 1) {
      g[i] -= prior * beta[i];
      h[i][i] -= prior;
      for (let j = 0; j < n; j += 1) {
        const games = w[i][j] + w[j][i];
        if (i === j || games === 0) continue;
        const p = sigmoid(beta[i] - beta[j]);
        g[i] += w[i][j] - games * p;
        const curvature = games * p * (1 - p);
        h[i][i] -= curvature;
        h[i][j] += curvature;
      }
    }
    const step = solve(
      h,
      g.map((x) => -x),
    );
    if (!step) throw new Error('Bradley-Terry: the votes do not connect every player (add a prior, or fit each connected group apart)');
    // Backtracking: a full Newton step can overshoot when a player is far from the others.
    let scale = 1;
    let next = beta.map((b, i) => b + step[i]);
    let value = objective(w, next, prior);
    while (value < current - 1e-12 * Math.abs(current) && scale > 1e-6) {
      scale /= 2;
      next = beta.map((b, i) => b + scale * step[i]);
      value = objective(w, next, prior);
    }
    const moved = Math.max(...step.map((s) => Math.abs(s * scale)));
    beta = next;
    current = value;
    if (moved < tolerance) return { beta, scores: beta.map(betaToScore), iterations: iteration, isConverged: true };
  }
  return { beta, scores: beta.map(betaToScore), iterations: maxIterations, isConverged: false };
}

/** The penalised maximum-likelihood fit (see the file's comment for the model, prior and anchor). */
export function fitBradleyTerry(table: VoteTable, options: FitOptions = {}): BradleyTerryFit {
  return fitEffective(effectiveWins(table), options);
}

// ───────────── bootstrap ─────────────

/** log Γ(x) for x > 0 (Lanczos, g = 7, n = 9; ~15 significant digits). */
function logGamma(x: number): number {
  const c = [0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.6150291621406, 12.507343278686905, -0.13857109526572012, 9.984369578019572e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i += 1) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * An exact Poisson(mean) draw: multiplication of uniforms for small means, Hörmann's PTRS
 * (transformed rejection with squeeze, 1993; the algorithm NumPy uses) from a mean of 10 up.
 */
export function poissonDraw(random: () => number, mean: number): number {
  if (mean <= 0) return 0;
  if (mean < 10) {
    const limit = Math.exp(-mean);
    let k = 0;
    let product = random();
    while (product > limit) {
      k += 1;
      product *= random();
    }
    return k;
  }
  const logMean = Math.log(mean);
  const b = 0.931 + 2.53 * Math.sqrt(mean);
  const a = -0.059 + 0.02483 * b;
  const inverseAlpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = random() - 0.5;
    const v = random();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(inverseAlpha) - Math.log(a / (us * us) + b) <= -mean + k * logMean - logGamma(k + 1)) return k;
  }
}

/** The q-quantile of sorted values, interpolating between order statistics (R's type 7). */
export function quantileOfSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

export type BootstrapOptions = FitOptions & {
  /** Bootstrap rounds (default 1000). */
  rounds?: number;
  /** Coverage of the interval (default 0.95). */
  level?: number;
  seed?: number;
};

export type BradleyTerryWithIntervals = BradleyTerryFit & {
  /** Per player, the interval's ends on the score scale. */
  lower: number[];
  upper: number[];
  rounds: number;
};

/** The fit and percentile bootstrap intervals of every score (Poisson bootstrap over votes; see the file's comment). */
export function bootstrapBradleyTerry(table: VoteTable, options: BootstrapOptions = {}): BradleyTerryWithIntervals {
  const rounds = options.rounds ?? 1000;
  const level = options.level ?? 0.95;
  if (!(level > 0 && level < 1)) throw new RangeError('level must be between 0 and 1');
  const n = table.wins.length;
  const fit = fitBradleyTerry(table, options);
  const random = seededRandom(options.seed ?? 1);
  const samples: number[][] = Array.from({ length: n }, () => []);
  for (let round = 0; round < rounds; round += 1) {
    const w = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    for (let i = 0; i < n; i += 1) {
      for (let j = 0; j < n; j += 1) {
        if (i === j) continue;
        w[i][j] += poissonDraw(random, table.wins[i][j]);
        if (j > i && table.ties) {
          const tied = poissonDraw(random, table.ties[i][j]) / 2;
          w[i][j] += tied;
          w[j][i] += tied;
        }
      }
    }
    const refit = fitEffective(w, options, fit.beta);
    for (let i = 0; i < n; i += 1) samples[i].push(refit.scores[i]);
  }
  const tail = (1 - level) / 2;
  const sorted = samples.map((s) => s.sort((x, y) => x - y));
  return {
    ...fit,
    lower: sorted.map((s) => (rounds > 0 ? quantileOfSorted(s, tail) : Number.NaN)),
    upper: sorted.map((s) => (rounds > 0 ? quantileOfSorted(s, 1 - tail) : Number.NaN)),
    rounds,
  };
}
