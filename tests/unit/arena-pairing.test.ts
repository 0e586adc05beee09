/** Which pairs of versions an arena's prompts show: every pair, or one pair per prompt dealt evenly. */
import { describe, expect, it } from 'vitest';
import { pairsPerPrompt } from '@/trainer/jobs/arena';

const keep = <T>(items: readonly T[]) => [...items];
const reverse = <T>(items: readonly T[]) => [...items].reverse();

describe('arena pairing', () => {
  it("'all': every pair of distinct versions on every prompt", () => {
    const plan = pairsPerPrompt(3, 2, 'all', keep);
    expect(plan).toEqual([
      [
        [0, 1],
        [0, 2],
        [1, 2],
      ],
      [
        [0, 1],
        [0, 2],
        [1, 2],
      ],
    ]);
  });

  it("'balanced': one pair per prompt, each of the 6 pairs of 4 versions on 2 or 3 of 14 prompts", () => {
    const plan = pairsPerPrompt(4, 14, 'balanced', reverse);
    expect(plan.every((pairs) => pairs.length === 1 && pairs[0][0] !== pairs[0][1])).toBe(true);
    const counts = new Map<string, number>();
    for (const [[a, b]] of plan) counts.set(`${a}-${b}`, (counts.get(`${a}-${b}`) ?? 0) + 1);
    expect(counts.size).toBe(6);
    expect([...counts.values()].sort()).toEqual([2, 2, 2, 2, 3, 3]);
  });
});
