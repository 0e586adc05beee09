/**
 * A small seeded PRNG, so corpora, splits and simulated feedback are reproducible from one number.
 * mulberry32: 32-bit state, full period 2^32, good enough statistical quality for data generation.
 */
import { seededRandom } from '../../lib/stats/random';

export type Rng = () => number;

/** Floats in [0, 1), fully determined by `seed`: the generator lib/stats uses too. */
export const mulberry32: (seed: number) => Rng = seededRandom;

/** Uniform integer in [min, max], both inclusive. */
export function randomInt(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

export function pickOne<T>(rng: Rng, items: readonly T[]): T {
  if (items.length === 0) throw new Error('pickOne: empty list');
  return items[Math.floor(rng() * items.length)];
}
