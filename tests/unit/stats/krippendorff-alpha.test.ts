import { describe, expect, it } from 'vitest';
import { coincidenceMatrix, krippendorffAlpha, krippendorffAlphaWithInterval, patternsOfUnits, unitsOfCoderRows } from '@/lib/stats/krippendorff-alpha';

// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four coders,
// twelve units, missing data (null). Published values: nominal 0.743, ordinal 0.815,
// interval 0.849, ratio 0.797.
const paperExample = [
  [1, 2, 3, 3, 2, 1, 4, 1, 2, null, null, null],
  [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, null, 3],
  [null, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, null],
  [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, null],
];

describe("Krippendorff's alpha", () => {
  const patterns = patternsOfUnits(unitsOfCoderRows(paperExample));

  it('matches the published values of the four-coder example with missing data', () => {
    expect(krippendorffAlpha(patterns, 'nominal')).toBeCloseTo(0.743, 3);
    expect(krippendorffAlpha(patterns, 'ordinal')).toBeCloseTo(0.815, 3);
    expect(krippendorffAlpha(patterns, 'interval')).toBeCloseTo(0.849, 3);
    expect(krippendorffAlpha(patterns, 'ratio')).toBeCloseTo(0.797, 3);
  });

  it('builds the coincidence matrix of the paper (unit 12 has one value and drops out; n = 40; n_c = 9, 13, 10, 5, 3)', () => {
    const { values, matrix, n } = coincidenceMatrix(patterns.filter((p) => p.values.reduce((s, [, c]) => s + c, 0) >= 2));
    expect(values).toEqual([1, 2, 3, 4, 5]);
    expect(n).toBe(40);
    // The paper's matrix, rows 1..5. By hand for o_11: unit 1 (1,1,1) gives 3·2/2 = 3, unit 8 (1,1,2,1) 3·2/3 = 2, unit 11 (1,1) 2·1/1 = 2.
    const expected = [
      [7, 4 / 3, 1 / 3, 1 / 3, 0],
      [4 / 3, 10, 4 / 3, 1 / 3, 0],
      [1 / 3, 4 / 3, 8, 1 / 3, 0],
      [1 / 3, 1 / 3, 1 / 3, 4, 0],
      [0, 0, 0, 0, 3],
    ];
    matrix.forEach((row, i) => row.forEach((x, j) => expect(x).toBeCloseTo(expected[i][j], 10)));
  });

  it('matches the binary two-coder example of the paper (α = 0.095)', () => {
    const rows = [
      [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
      [1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
    ];
    expect(krippendorffAlpha(patternsOfUnits(unitsOfCoderRows(rows)), 'nominal')).toBeCloseTo(0.095, 3);
  });

  it('is 1 for perfect agreement and undefined without variation', () => {
    expect(
      krippendorffAlpha(
        patternsOfUnits([
          [1, 1],
          [2, 2, 2],
          [3, 3],
        ]),
        'nominal',
      ),
    ).toBe(1);
    expect(
      krippendorffAlpha(
        patternsOfUnits([
          [1, 1],
          [1, 1],
        ]),
        'nominal',
      ),
    ).toBeNaN();
  });

  it('hand-computed: two units [a, a] and [a, b] give α = 1 − 3 · 2 / (3 · 1 · 2) = 0', () => {
    // o_aa = 2, o_ab = o_ba = 1, n_a = 3, n_b = 1, n = 4: α = 1 − (n − 1) · 2 / (2 · n_a · n_b) = 1 − 3 · 2 / 6 = 0.
    expect(
      krippendorffAlpha(
        patternsOfUnits([
          [0, 0],
          [0, 1],
        ]),
        'nominal',
      ),
    ).toBeCloseTo(0, 12);
  });

  it('gives a seeded bootstrap interval around the estimate, the same for the same seed', () => {
    const first = krippendorffAlphaWithInterval(patterns, 'nominal', { seed: 7, replicates: 500 });
    const second = krippendorffAlphaWithInterval(patterns, 'nominal', { seed: 7, replicates: 500 });
    expect(first).toEqual(second);
    expect(first.interval?.low).toBeLessThan(0.743);
    expect(first.interval?.high).toBeGreaterThan(0.743);
    expect(first.interval?.high).toBeLessThanOrEqual(1);
  });
});
