import { describe, expect, it } from 'vitest';
import { cohenKappa, cohenKappaWithInterval, kappaCells } from '@/lib/stats/cohen-kappa';
import { percentAgreement } from '@/lib/stats/percent-agreement';
import { patternsOfUnits } from '@/lib/stats/krippendorff-alpha';

const table = (yy: number, yn: number, ny: number, nn: number) =>
  [
    [1, 1, yy],
    [1, 0, yn],
    [0, 1, ny],
    [0, 0, nn],
  ] as const;

describe("Cohen's kappa", () => {
  it('textbook example: 50 grant proposals, 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no → κ = 0.4', () => {
    // p_o = 35/50 = 0.7; p_e = 0.5 · 0.6 + 0.5 · 0.4 = 0.5; κ = 0.2 / 0.5 = 0.4.
    expect(cohenKappa(table(20, 5, 10, 15))).toBeCloseTo(0.4, 12);
  });

  it('same agreement, different marginals: [[45, 15], [25, 15]] → 0.1304 and [[25, 35], [5, 35]] → 0.2593', () => {
    expect(cohenKappa(table(45, 15, 25, 15))).toBeCloseTo(0.1304, 4);
    expect(cohenKappa(table(25, 35, 5, 35))).toBeCloseTo(0.2593, 4);
  });

  it('weighted kappa by hand on a 3-point scale', () => {
    // Pairs (1,1), (2,2), (3,3), (1,2), (2,3), (3,1). Rows: 1:2, 2:2, 3:2; columns: 1:2, 2:2, 3:2; n = 6.
    // Linear: observed Σ|i−j| = 0+0+0+1+1+2 = 4; expected Σ r_i c_j |i−j| / n = (4/6) · (2·(1+1+2)) = (4/6) · 8 = 16/3; κ = 1 − 4 / (16/3) = 0.25.
    // Quadratic: observed 0+0+0+1+1+4 = 6; expected (4/6) · 2 · (1+1+4) = 8; κ = 1 − 6/8 = 0.25.
    const cells = kappaCells([
      [1, 1],
      [2, 2],
      [3, 3],
      [1, 2],
      [2, 3],
      [3, 1],
    ]);
    expect(cohenKappa(cells, 'linear')).toBeCloseTo(0.25, 12);
    expect(cohenKappa(cells, 'quadratic')).toBeCloseTo(0.25, 12);
    // Unweighted: p_o = 0.5, p_e = 3 · (2/6)² = 1/3, κ = (1/2 − 1/3) / (2/3) = 0.25 as well.
    expect(cohenKappa(cells)).toBeCloseTo(0.25, 12);
  });

  it('is undefined when both always gave the same single value', () => {
    expect(cohenKappa([[1, 1, 10]])).toBeNaN();
  });

  it('bootstrap interval covers the estimate and is reproducible', () => {
    const a = cohenKappaWithInterval(table(20, 5, 10, 15), 'none', { seed: 3 });
    expect(a).toEqual(cohenKappaWithInterval(table(20, 5, 10, 15), 'none', { seed: 3 }));
    expect(a.interval?.low).toBeLessThan(0.4);
    expect(a.interval?.high).toBeGreaterThan(0.4);
  });
});

describe('percent agreement', () => {
  it('two coders: the share of units they agree on', () => {
    expect(
      percentAgreement(
        patternsOfUnits([
          [1, 1],
          [1, 0],
          [0, 0],
          [0, 1],
        ]),
      ),
    ).toBe(0.5);
  });
  it('three coders: the share of agreeing pairs per unit, averaged', () => {
    // [1,1,1]: 3/3 pairs agree; [1,1,0]: 1/3; unit with one value: not pairable.
    expect(percentAgreement(patternsOfUnits([[1, 1, 1], [1, 1, 0], [1]]))).toBeCloseTo(2 / 3, 12);
  });
});
