import { describe, expect, it } from 'vitest';
import { bootstrapInterval, bootstrapUnits, quantileSorted } from '@/lib/stats/bootstrap';
import { binomialDraw, multinomialDraw, seededRandom } from '@/lib/stats/random';

describe('bootstrap', () => {
  it('quantiles interpolate between order statistics (R type 7)', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 0.25)).toBe(1.75);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const units = Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const a = bootstrapUnits(units, mean, { seed: 11, replicates: 400 });
    expect(a).toEqual(bootstrapUnits(units, mean, { seed: 11, replicates: 400 }));
    expect(a).not.toEqual(bootstrapUnits(units, mean, { seed: 12, replicates: 400 }));
  });

  it('a proportion of 0.3 over 1,000 units: the 95% interval is about ±1.96 · √(0.3 · 0.7 / 1000) = ±0.028', () => {
    const interval = bootstrapInterval([300, 700], (w) => w[0] / (w[0] + w[1]), { seed: 5, replicates: 2000 });
    expect(interval?.low).toBeCloseTo(0.3 - 0.0284, 2);
    expect(interval?.high).toBeCloseTo(0.3 + 0.0284, 2);
  });

  it('multinomial draws keep the total, and binomial draws have the right mean', () => {
    const random = seededRandom(9);
    const counts = multinomialDraw(random, 10_000, [1, 2, 7]);
    expect(counts.reduce((s, c) => s + c, 0)).toBe(10_000);
    let sum = 0;
    for (let i = 0; i < 2000; i += 1) sum += binomialDraw(random, 500, 0.02);
    expect(sum / 2000).toBeCloseTo(10, 0);
  });
});
