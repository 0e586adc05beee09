/**
 * The two-sided binomial test of k successes in n trials against success probability p.
 *
 * Exact for n ≤ 1000: the p-value sums the probabilities of every outcome no more likely than the
 * one observed (the rule R's binom.test uses, with the same 1 + 1e-7 tolerance for ties). Above,
 * the normal approximation with continuity correction: z = (|k − np| − ½) / √(np(1 − p)),
 * p = erfc(|z| / √2), accurate to well under 1e-3 there.
 */
export const EXACT_BINOMIAL_LIMIT = 1000;

/** ln Γ(x) (Lanczos, g = 7, n = 9; ~15 significant digits). */
export function logGamma(x: number): number {
  const g = 7;
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const y = x - 1;
  let a = c[0];
  const t = y + g + 0.5;
  for (let i = 1; i < g + 2; i += 1) a += c[i] / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

/** P(X = k) for X ~ Binomial(n, p). */
export function binomialProbability(k: number, n: number, p: number): number {
  if (k < 0 || k > n) return 0;
  if (p === 0) return k === 0 ? 1 : 0;
  if (p === 1) return k === n ? 1 : 0;
  return Math.exp(logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log(1 - p));
}

/** erfc(x), the complementary error function (the Chebyshev fit of Numerical Recipes' erfcc; relative error < 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

export type BinomialTestResult = { successes: number; trials: number; share: number; pValue: number; method: 'exact' | 'normal' };

export function binomialTest(successes: number, trials: number, p = 0.5): BinomialTestResult {
  if (!Number.isInteger(successes) || !Number.isInteger(trials) || successes < 0 || successes > trials) throw new Error(`binomialTest: need 0 <= k <= n, got k=${successes}, n=${trials}`);
  const share = trials === 0 ? Number.NaN : successes / trials;
  if (trials === 0) return { successes, trials, share, pValue: 1, method: 'exact' };
  if (trials <= EXACT_BINOMIAL_LIMIT) {
    const observed = binomialProbability(successes, trials, p);
    let pValue = 0;
    for (let i = 0; i <= trials; i += 1) {
      const probability = binomialProbability(i, trials, p);
      if (probability <= observed * (1 + 1e-7)) pValue += probability;
    }
    return { successes, trials, share, pValue: Math.min(1, pValue), method: 'exact' };
  }
  const mean = trials * p;
  const sd = Math.sqrt(trials * p * (1 - p));
  const z = Math.max(0, Math.abs(successes - mean) - 0.5) / sd;
  return { successes, trials, share, pValue: Math.min(1, erfc(z / Math.SQRT2)), method: 'normal' };
}
