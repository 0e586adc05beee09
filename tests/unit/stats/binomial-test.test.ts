import { describe, expect, it } from 'vitest';
import { binomialTest, erfc } from '@/lib/stats/binomial-test';

// Reference p-values from R's binom.test (exact) and from the normal formula worked by hand.
describe('binomial test', () => {
  it('exact two-sided p-values match R binom.test', () => {
    expect(binomialTest(7, 10).pValue).toBeCloseTo(0.34375, 6); // binom.test(7, 10): 0.3438
    expect(binomialTest(9, 10).pValue).toBeCloseTo(0.021484375, 8); // 22/1024
    expect(binomialTest(10, 10).pValue).toBeCloseTo(2 / 1024, 10);
    expect(binomialTest(5, 10).pValue).toBe(1);
    expect(binomialTest(682, 925, 0.75).pValue).toBeCloseTo(0.3825, 3); // R's documented example (Mendel's peas)
    expect(binomialTest(60, 100).pValue).toBeCloseTo(0.05688793, 6); // binom.test(60, 100)
    expect(binomialTest(3, 12, 1 / 3).method).toBe('exact');
  });

  it('large n uses the normal approximation with continuity correction', () => {
    // n = 10,000, k = 5,100: z = (100 − 0.5) / 50 = 1.99, two-sided p = 0.04659.
    const result = binomialTest(5100, 10_000);
    expect(result.method).toBe('normal');
    expect(result.pValue).toBeCloseTo(0.04659, 4);
    expect(result.share).toBe(0.51);
  });

  it('erfc matches tabulated values', () => {
    expect(erfc(0)).toBeCloseTo(1, 7);
    expect(erfc(1)).toBeCloseTo(0.157299207, 7);
    expect(erfc(-1)).toBeCloseTo(1.842700793, 7);
    expect(erfc(2)).toBeCloseTo(0.004677735, 7);
  });

  it('refuses impossible counts', () => {
    expect(() => binomialTest(11, 10)).toThrow();
  });
});
