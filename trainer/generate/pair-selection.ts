/**
 * Which of a prompt's k samples a task shows (pairwise projects show 2).
 *
 * - random: distinct samples drawn uniformly.
 * - disagreement: a comparison teaches most when the completions reach different conclusions, so
 *   for a pair: one whose final answers differ (both answered preferred over one unanswered), and
 *   among those, one that includes the most frequent answer (as in self-consistency, the answer
 *   most samples reach is the one most likely right, so the pair most often holds a right and a
 *   wrong answer instead of two wrong ones, which raters can only call a tie), else
 *   the pair the reward model separates most (largest score gap, when scores are given), else
 *   random. For more than two: as many different final answers as possible.
 *
 * Exact duplicate texts (frequent at low temperature) are never shown together while enough
 * distinct texts exist. The returned order is shuffled as well, so it never encodes the tier or
 * score that chose a sample; the order on screen is still drawn and stored separately
 * (server/jobs/display-order.ts). Every random choice uses the caller's seeded rng: the same
 * seed gives the same selection.
 */
import type { PairSelection } from '../../server/jobs/contracts';
import { randomInt, type Rng } from '../model/random';
import { answerKeyOf } from './prompt-templates';

export type SelectShownOptions = {
  samples: string[];
  /** How many to show: 1 <= count <= samples.length. */
  count: number;
  strategy: PairSelection;
  rng: Rng;
  /** Reward-model scores, one per sample, when a reward model exists. */
  scores?: number[] | null;
};

/** `count` distinct indices into `samples`, in the order to show them. */
export function selectShown(options: SelectShownOptions): number[] {
  const { samples, count, strategy, rng } = options;
  const scores = options.scores ?? null;
  if (!Number.isInteger(count) || count < 1 || count > samples.length) {
    throw new RangeError(`selectShown: count must be an integer in [1, ${samples.length}], got ${count}`);
  }
  if (scores !== null) {
    if (scores.length !== samples.length) throw new RangeError(`selectShown: ${scores.length} scores for ${samples.length} samples`);
    if (!scores.every(Number.isFinite)) throw new RangeError('selectShown: scores must be finite numbers');
  }

  // The first occurrence of each text stands for its duplicates.
  const seen = new Set<string>();
  const distinct = samples.flatMap((text, index) => (seen.has(text) ? [] : (seen.add(text), [index])));
  if (distinct.length <= count) {
    // Every distinct text is shown; duplicates only fill the places left.
    const rest = samples.map((_, index) => index).filter((index) => !distinct.includes(index));
    return shuffle(rng, [...distinct, ...pickDistinct(rng, rest, count - distinct.length)]);
  }

  if (strategy === 'random' || count === 1) return shuffle(rng, pickDistinct(rng, distinct, count));
  const keys = new Map(distinct.map((index) => [index, answerKeyOf(samples[index])]));
  const chosen = count === 2 ? pickDisagreeingPair(rng, distinct, keys, scores) : pickDiverse(rng, distinct, keys, count);
  return shuffle(rng, chosen);
}

/** Tiers, best first: both answered and different; one answered; largest score gap; any pair. */
function pickDisagreeingPair(rng: Rng, pool: number[], keys: Map<number, string | null>, scores: number[] | null): number[] {
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < pool.length; i++) for (let j = i + 1; j < pool.length; j++) pairs.push([pool[i], pool[j]]);
  const keyOf = (index: number) => keys.get(index) ?? null;

  const bothAnswered = pairs.filter(([a, b]) => keyOf(a) !== null && keyOf(b) !== null && keyOf(a) !== keyOf(b));
  if (bothAnswered.length > 0) {
    const majority = majorityKeys(pool, keyOf);
    const withMajority = bothAnswered.filter(([a, b]) => majority.has(keyOf(a) as string) || majority.has(keyOf(b) as string));
    return pickPair(rng, withMajority.length > 0 && majority.size < new Set(pool.map(keyOf)).size ? withMajority : bothAnswered);
  }
  const oneAnswered = pairs.filter(([a, b]) => (keyOf(a) === null) !== (keyOf(b) === null));
  if (oneAnswered.length > 0) return pickPair(rng, oneAnswered);
  if (scores !== null) {
    const gapOf = ([a, b]: [number, number]) => Math.abs(scores[a] - scores[b]);
    const largest = Math.max(...pairs.map(gapOf));
    return pickPair(
      rng,
      pairs.filter((pair) => gapOf(pair) === largest),
    );
  }
  return pickPair(rng, pairs);
}

/** The most frequent final answers among the pool (all of them when tied). */
function majorityKeys(pool: number[], keyOf: (index: number) => string | null): Set<string> {
  const counts = new Map<string, number>();
  for (const index of pool) {
    const key = keyOf(index);
    if (key !== null) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const top = Math.max(0, ...counts.values());
  return new Set([...counts].filter(([, n]) => n === top).map(([key]) => key));
}

/** One sample of as many different answers as possible (answers chosen at random), then random fill. */
function pickDiverse(rng: Rng, pool: number[], keys: Map<number, string | null>, count: number): number[] {
  const groups = new Map<string, number[]>();
  for (const index of pool) {
    const key = keys.get(index) ?? null;
    if (key === null) continue;
    const group = groups.get(key);
    if (group) group.push(index);
    else groups.set(key, [index]);
  }
  const representatives = shuffle(rng, [...groups.values()])
    .slice(0, count)
    .map((group) => group[randomInt(rng, 0, group.length - 1)]);
  const rest = pool.filter((index) => !representatives.includes(index));
  return [...representatives, ...pickDistinct(rng, rest, count - representatives.length)];
}

function pickPair(rng: Rng, pairs: Array<[number, number]>): number[] {
  return [...pairs[randomInt(rng, 0, pairs.length - 1)]];
}

/** `count` distinct items of `items`, drawn uniformly. */
function pickDistinct<T>(rng: Rng, items: T[], count: number): T[] {
  return shuffle(rng, items).slice(0, count);
}

/** A shuffled copy (Fisher-Yates). */
function shuffle<T>(rng: Rng, items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = randomInt(rng, 0, i);
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}
