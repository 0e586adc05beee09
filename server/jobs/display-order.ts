/**
 * The order a task shows its completions in: drawn with crypto randomness (Fisher-Yates over
 * crypto.randomInt) and stored with the task, so position bias stays measurable. Shared by imports
 * (web) and generated tasks (worker).
 */
import { randomInt } from 'node:crypto';

/** Shuffles a copy of the list uniformly at random. */
export function shuffleWithCrypto<T>(items: readonly T[]): T[] {
  const shuffled = [...items];
  for (let i = shuffled.length - 1; i > 0; i -= 1) {
    const j = randomInt(i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  return shuffled;
}
