/**
 * Percent agreement: per unit with two or more values, the share of its pairs of coders who gave
 * the same value (Σ_c n_c (n_c − 1) / (m (m − 1))), averaged over units. With two coders per
 * unit it is the share of units where they agree. No correction for chance (that is what alpha
 * and kappa are for).
 */
import { bootstrapInterval, type BootstrapOptions, type Interval } from './bootstrap';
import type { UnitPattern } from './krippendorff-alpha';

function agreementOfPattern(pattern: UnitPattern): number {
  const m = pattern.values.reduce((s, [, c]) => s + c, 0);
  return pattern.values.reduce((s, [, c]) => s + c * (c - 1), 0) / (m * (m - 1));
}

/** Mean agreement over the pairable units; NaN when there are none. */
export function percentAgreement(patterns: readonly UnitPattern[], weights?: readonly number[]): number {
  let units = 0;
  let sum = 0;
  patterns.forEach((p, i) => {
    const m = p.values.reduce((s, [, c]) => s + c, 0);
    if (m < 2) return;
    const w = weights ? weights[i] : p.units;
    units += w;
    sum += w * agreementOfPattern(p);
  });
  return units === 0 ? Number.NaN : sum / units;
}

export function percentAgreementWithInterval(patterns: readonly UnitPattern[], options: BootstrapOptions = {}): { value: number; interval: Interval | null } {
  const pairable = patterns.filter((p) => p.values.reduce((s, [, c]) => s + c, 0) >= 2);
  return {
    value: percentAgreement(pairable),
    interval: bootstrapInterval(
      pairable.map((p) => p.units),
      (weights) => percentAgreement(pairable, weights),
      options,
    ),
  };
}
