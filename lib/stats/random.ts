/**
 * A seeded pseudo-random generator (mulberry32): every resampling in lib/stats takes a seed, so
 * a confidence interval computed twice on the same data is the same interval.
 */
export type Random = () => number;

/** Uniform numbers in [0, 1) from a 32-bit seed. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box-Muller). */
export function normalDraw(random: Random): number {
  const u = Math.max(random(), Number.MIN_VALUE);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/**
 * A Binomial(n, p) draw. Exact by inversion (one uniform, walking the probabilities up from
 * P(0)) while the expected count of the rarer outcome is under 30; above, the normal
 * approximation, rounded and clamped, whose error there is far below the bootstrap's own
 * sampling noise.
 */
export function binomialDraw(random: Random, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  const flip = p > 0.5;
  const q = flip ? 1 - p : p;
  let k = 0;
  if (n * q < 30) {
    const odds = q / (1 - q);
    let probability = (1 - q) ** n;
    let cumulative = probability;
    const u = random();
    while (u > cumulative && k < n) {
      probability *= ((n - k) / (k + 1)) * odds;
      k += 1;
      cumulative += probability;
    }
  } else {
    const draw = Math.round(n * q + Math.sqrt(n * q * (1 - q)) * normalDraw(random));
    k = Math.min(n, Math.max(0, draw));
  }
  return flip ? n - k : k;
}

/** Multinomial counts of `n` draws over categories with the given weights (sequential binomials). */
export function multinomialDraw(random: Random, n: number, weights: readonly number[]): number[] {
  return multinomialDrawInto(random, n, weights, new Array<number>(weights.length));
}

/**
 * The same draw written into `out` (as long as `weights`), for loops that draw thousands of times:
 * the same random numbers are used in the same order, so it gives the same counts.
 */
export function multinomialDrawInto<T extends { [i: number]: number; length: number }>(random: Random, n: number, weights: ArrayLike<number>, out: T): T {
  let total = 0;
  for (let i = 0; i < weights.length; i += 1) total += weights[i];
  for (let i = 0; i < weights.length; i += 1) out[i] = 0;
  let left = n;
  let massLeft = total;
  for (let i = 0; i < weights.length && left > 0; i += 1) {
    if (i === weights.length - 1 || massLeft <= 0) {
      out[i] = left;
      break;
    }
    const k = binomialDraw(random, left, Math.min(1, weights[i] / massLeft));
    out[i] = k;
    left -= k;
    massLeft -= weights[i];
  }
  return out;
}
