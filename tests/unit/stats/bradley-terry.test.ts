/**
 * Bradley-Terry fit and bootstrap against values computed without the code under test: the
 * two-player log-odds by hand, Agresti's published baseball example, a brute-force likelihood
 * maximisation written here, and recovery of known strengths from simulated votes.
 */
import { describe, expect, it } from 'vitest';
import { bootstrapBradleyTerry, fitBradleyTerry, poissonDraw } from '@/lib/stats/bradley-terry';
import { seededRandom } from '@/lib/stats/random';

const ELO = 400 / Math.log(10);

describe('Bradley-Terry fit', () => {
  it('two players: the score gap is 400·log10(wins/losses), centred on 1000', () => {
    const fit = fitBradleyTerry(
      {
        wins: [
          [0, 7],
          [3, 0],
        ],
      },
      { prior: 0 },
    );
    // By hand: p = 7/10, log-odds ln(7/3) = 0.847298; 400·log10(7/3) = 147.1910 Elo points.
    expect(fit.beta[0] - fit.beta[1]).toBeCloseTo(0.847298, 5);
    expect(fit.scores[0] - fit.scores[1]).toBeCloseTo(147.191, 2);
    expect(fit.scores[0]).toBeCloseTo(1073.5955, 3);
    expect(fit.scores[1]).toBeCloseTo(926.4045, 3);
    expect(fit.isConverged).toBe(true);
  });

  it('a tie is half a win for each side: 6 wins, 2 losses, 2 ties fits as 7 to 3', () => {
    const fit = fitBradleyTerry(
      {
        wins: [
          [0, 6],
          [2, 0],
        ],
        ties: [
          [0, 2],
          [2, 0],
        ],
      },
      { prior: 0 },
    );
    expect(fit.beta[0] - fit.beta[1]).toBeCloseTo(Math.log(7 / 3), 6);
  });

  it('the default prior barely moves real counts but keeps an undefeated player finite', () => {
    const plain = fitBradleyTerry(
      {
        wins: [
          [0, 70],
          [30, 0],
        ],
      },
      { prior: 0 },
    );
    const withPrior = fitBradleyTerry({
      wins: [
        [0, 70],
        [30, 0],
      ],
    });
    expect(Math.abs(withPrior.scores[0] - plain.scores[0])).toBeLessThan(0.05);
    const undefeated = fitBradleyTerry({
      wins: [
        [0, 10],
        [0, 0],
      ],
    });
    expect(undefeated.isConverged).toBe(true);
    expect(Number.isFinite(undefeated.scores[0])).toBe(true);
    expect(undefeated.scores[0]).toBeGreaterThan(1300);
    // The optimum solves 10·σ(−2β) = λβ with λ = 0.01 (β₁ = −β₀ by symmetry): check the equation itself.
    const beta = undefeated.beta[0];
    expect(10 / (1 + Math.exp(2 * beta))).toBeCloseTo(0.01 * beta, 6);
  });

  it("reproduces Agresti's published baseball estimates (CDA 2nd ed., Table 10.11; BradleyTerry2's test)", () => {
    // 1987 American League East, wins of the row team over the column team (13 games per pair).
    const teams = ['Milwaukee', 'Detroit', 'Toronto', 'New York', 'Boston', 'Cleveland', 'Baltimore'];
    const wins = [
      [0, 7, 9, 7, 7, 9, 11],
      [6, 0, 7, 5, 11, 9, 9],
      [4, 6, 0, 7, 7, 8, 12],
      [6, 8, 6, 0, 6, 7, 10],
      [6, 2, 6, 7, 0, 7, 12],
      [4, 4, 5, 6, 6, 0, 6],
      [2, 4, 1, 3, 1, 7, 0],
    ];
    const fit = fitBradleyTerry({ wins }, { prior: 0 });
    const baltimore = fit.beta[6];
    const relative = Object.fromEntries(teams.map((team, i) => [team, Math.round((fit.beta[i] - baltimore) * 100) / 100]));
    // Published with Baltimore as the reference (0): 1.58, 1.44, 1.29, 1.25, 1.11, 0.68.
    expect(relative).toEqual({ Milwaukee: 1.58, Detroit: 1.44, Toronto: 1.29, 'New York': 1.25, Boston: 1.11, Cleveland: 0.68, Baltimore: 0 });
  });

  it('three players: matches a brute-force maximisation of the likelihood', () => {
    const wins = [
      [0, 12, 9],
      [5, 0, 8],
      [3, 4, 0],
    ];
    const ties = [
      [0, 2, 1],
      [2, 0, 0],
      [1, 0, 0],
    ];
    const fit = fitBradleyTerry({ wins, ties }, { prior: 0 });
    // Independent maximiser: coordinate search over (b0, b1) with b2 = 0, shrinking the step.
    const logLik = (b: number[]) => {
      let value = 0;
      for (let i = 0; i < 3; i += 1) {
        for (let j = 0; j < 3; j += 1) {
          if (i === j) continue;
          const w = wins[i][j] + ties[i][j] / 2;
          value += w * Math.log(1 / (1 + Math.exp(b[j] - b[i])));
        }
      }
      return value;
    };
    const b = [0, 0, 0];
    for (let step = 1; step > 1e-9; step /= 2) {
      let isImproved = true;
      while (isImproved) {
        isImproved = false;
        for (const k of [0, 1]) {
          for (const direction of [step, -step]) {
            const trial = [...b];
            trial[k] += direction;
            if (logLik(trial) > logLik(b)) {
              b[k] = trial[k];
              isImproved = true;
            }
          }
        }
      }
    }
    expect(fit.beta[0] - fit.beta[2]).toBeCloseTo(b[0], 6);
    expect(fit.beta[1] - fit.beta[2]).toBeCloseTo(b[1], 6);
    expect(fit.beta.reduce((s, x) => s + x, 0)).toBeCloseTo(0, 9);
  });

  it('recovers known strengths from simulated votes', () => {
    const truth = [0.8, 0.3, -0.2, -0.9]; // Σ = 0, the fit's anchor
    const random = seededRandom(42);
    const wins = truth.map(() => truth.map(() => 0));
    for (let vote = 0; vote < 40_000; vote += 1) {
      const i = Math.floor(random() * 4);
      let j = Math.floor(random() * 3);
      if (j >= i) j += 1;
      const p = 1 / (1 + Math.exp(truth[j] - truth[i]));
      if (random() < p) wins[i][j] += 1;
      else wins[j][i] += 1;
    }
    const fit = fitBradleyTerry({ wins });
    for (let i = 0; i < 4; i += 1) expect(Math.abs(fit.beta[i] - truth[i])).toBeLessThan(0.05);
  });
});

describe('bootstrap intervals', () => {
  it('two players: the interval matches the delta-method standard error of the log-odds', () => {
    // 700 to 300: SE of ln(p/(1−p)) = sqrt(1/700 + 1/300) = 0.069007; each score is ±half the gap.
    const result = bootstrapBradleyTerry(
      {
        wins: [
          [0, 700],
          [300, 0],
        ],
      },
      { prior: 0, rounds: 2000, seed: 7 },
    );
    const halfWidth = 1.959964 * 0.069007 * (ELO / 2);
    expect(result.upper[0] - result.lower[0]).toBeGreaterThan(2 * halfWidth * 0.9);
    expect(result.upper[0] - result.lower[0]).toBeLessThan(2 * halfWidth * 1.1);
    expect(result.lower[0]).toBeLessThan(result.scores[0]);
    expect(result.upper[0]).toBeGreaterThan(result.scores[0]);
  });

  it('is reproducible from its seed and tighter with more votes', () => {
    const small = {
      wins: [
        [0, 14, 9],
        [6, 0, 10],
        [5, 8, 0],
      ],
    };
    const a = bootstrapBradleyTerry(small, { rounds: 300, seed: 3 });
    const b = bootstrapBradleyTerry(small, { rounds: 300, seed: 3 });
    expect(a.lower).toEqual(b.lower);
    expect(a.upper).toEqual(b.upper);
    const large = { wins: small.wins.map((row) => row.map((x) => x * 25)) };
    const c = bootstrapBradleyTerry(large, { rounds: 300, seed: 3 });
    // 25× the votes: about 1/5 of the width.
    const ratio = (c.upper[0] - c.lower[0]) / (a.upper[0] - a.lower[0]);
    expect(ratio).toBeGreaterThan(0.14);
    expect(ratio).toBeLessThan(0.27);
  });

  it('Poisson draws have the right mean and variance, small and large means', () => {
    const random = seededRandom(11);
    for (const mean of [0.5, 4, 25, 1000]) {
      const draws = Array.from({ length: 20_000 }, () => poissonDraw(random, mean));
      const m = draws.reduce((s, x) => s + x, 0) / draws.length;
      const v = draws.reduce((s, x) => s + (x - m) ** 2, 0) / (draws.length - 1);
      expect(Math.abs(m - mean)).toBeLessThan(4 * Math.sqrt(mean / draws.length));
      expect(v / mean).toBeGreaterThan(0.94);
      expect(v / mean).toBeLessThan(1.06);
    }
  });
});
