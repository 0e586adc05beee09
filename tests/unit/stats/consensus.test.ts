import { describe, expect, it } from 'vitest';
import { dawidSkene } from '@/lib/stats/dawid-skene';
import { labelDataOf } from '@/lib/stats/labels';
import { majorityVote } from '@/lib/stats/majority-vote';
import { seededRandom } from '@/lib/stats/random';
import { reliabilityWeightedScores } from '@/lib/stats/weighted-score';

describe('majority vote', () => {
  it('labels each item with its most common class and leaves ties unlabelled', () => {
    // item 0: 1,1,0 → 1 (2/3); item 1: 0,1 → tie; item 2: 2 → 2 (1/1).
    const result = majorityVote(
      labelDataOf(
        [
          [0, 0, 1],
          [0, 1, 1],
          [0, 2, 0],
          [1, 0, 0],
          [1, 1, 1],
          [2, 2, 2],
        ],
        { classCount: 3 },
      ),
    );
    expect([...result.labels]).toEqual([1, -1, 2]);
    expect(result.confidence[0]).toBeCloseTo(2 / 3, 12);
    expect(result.confidence[2]).toBe(1);
  });
});

/** Simulated annotators of known accuracy on binary items: each answers correctly with its accuracy. */
function simulate(accuracies: number[], itemCount: number, seed: number) {
  const random = seededRandom(seed);
  const truth = Array.from({ length: itemCount }, () => (random() < 0.5 ? 0 : 1));
  const triples: [number, number, number][] = [];
  truth.forEach((t, i) => accuracies.forEach((accuracy, j) => triples.push([i, j, random() < accuracy ? t : 1 - t])));
  return { truth, data: labelDataOf(triples, { itemCount, annotatorCount: accuracies.length, classCount: 2 }) };
}

describe('Dawid-Skene', () => {
  it('recovers the accuracies of simulated annotators and beats the majority vote', () => {
    const accuracies = [0.95, 0.85, 0.7, 0.55];
    const { truth, data } = simulate(accuracies, 2000, 42);
    const result = dawidSkene(data);
    result.accuracy.forEach((estimate, j) => expect(Math.abs(estimate - accuracies[j])).toBeLessThan(0.04));
    const correct = (labels: Int32Array) => truth.filter((t, i) => labels[i] === t).length / truth.length;
    const vote = majorityVote(data);
    expect(correct(result.labels)).toBeGreaterThan(correct(vote.labels) + 0.05);
    // Posteriors are probabilities.
    expect(result.posteriors[0] + result.posteriors[1]).toBeCloseTo(1, 12);
  });

  it('hand-checkable: a unanimous item is labelled with confidence near 1', () => {
    const result = dawidSkene(
      labelDataOf([
        [0, 0, 1],
        [0, 1, 1],
        [0, 2, 1],
        [1, 0, 0],
        [1, 1, 0],
        [1, 2, 0],
      ]),
    );
    expect([...result.labels]).toEqual([1, 0]);
    expect(result.confidence[0]).toBeGreaterThan(0.99);
  });
});

/**
 * Dawid-Skene written out directly from the paper's EM (the loop as lib/stats/dawid-skene.ts first
 * had it: every item's posterior from its own answers, two exps per entry), as the reference for
 * the optimised version.
 */
function referenceDawidSkene(data: ReturnType<typeof labelDataOf>, maxIterations = 50, tolerance = 1e-4, smoothing = 0.01) {
  const { itemCount: I, annotatorCount: J, classCount: K, items, annotators, labels } = data;
  const posteriors = new Float64Array(I * K);
  const answered = new Uint8Array(I);
  items.forEach((i, a) => {
    posteriors[i * K + labels[a]] += 1;
    answered[i] = 1;
  });
  for (let i = 0; i < I; i += 1) {
    let total = 0;
    for (let k = 0; k < K; k += 1) total += posteriors[i * K + k];
    for (let k = 0; k < K; k += 1) posteriors[i * K + k] = total > 0 ? posteriors[i * K + k] / total : 1 / K;
  }
  const priors = new Array<number>(K).fill(0);
  const previous = new Array<number>(K).fill(0);
  const logConfusion = new Float64Array(J * K * K).fill(Number.NEGATIVE_INFINITY);
  let iterations = 0;
  for (; iterations < maxIterations; iterations += 1) {
    priors.fill(0);
    let count = 0;
    for (let i = 0; i < I; i += 1) {
      if (!answered[i]) continue;
      count += 1;
      for (let k = 0; k < K; k += 1) priors[k] += posteriors[i * K + k];
    }
    for (let k = 0; k < K; k += 1) priors[k] = count > 0 ? priors[k] / count : 1 / K;
    const counts = new Float64Array(J * K * K).fill(smoothing);
    items.forEach((i, a) => {
      for (let k = 0; k < K; k += 1) counts[annotators[a] * K * K + k * K + labels[a]] += posteriors[i * K + k];
    });
    let change = 0;
    for (let k = 0; k < K; k += 1) {
      change = Math.max(change, Math.abs(priors[k] - previous[k]));
      previous[k] = priors[k];
    }
    for (let j = 0; j < J; j += 1) {
      for (let k = 0; k < K; k += 1) {
        const start = (j * K + k) * K;
        let total = 0;
        for (let l = 0; l < K; l += 1) total += counts[start + l];
        for (let l = 0; l < K; l += 1) {
          const next = Math.log(counts[start + l] / total);
          change = Math.max(change, priors[k] * Math.abs(Math.exp(next) - Math.exp(logConfusion[start + l])));
          logConfusion[start + l] = next;
        }
      }
    }
    if (iterations > 0 && change < tolerance) break;
    const logPosterior = new Float64Array(I * K);
    for (let i = 0; i < I; i += 1) for (let k = 0; k < K; k += 1) logPosterior[i * K + k] = Math.log(Math.max(priors[k], 1e-300));
    items.forEach((i, a) => {
      for (let k = 0; k < K; k += 1) logPosterior[i * K + k] += logConfusion[annotators[a] * K * K + k * K + labels[a]];
    });
    for (let i = 0; i < I; i += 1) {
      let max = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < K; k += 1) max = Math.max(max, logPosterior[i * K + k]);
      let total = 0;
      for (let k = 0; k < K; k += 1) total += Math.exp(logPosterior[i * K + k] - max);
      for (let k = 0; k < K; k += 1) posteriors[i * K + k] = Math.exp(logPosterior[i * K + k] - max) / total;
    }
  }
  return { posteriors, iterations };
}

describe('Dawid-Skene against a direct implementation', () => {
  // Six annotators, three an item, four classes: answer lists recur (the shared E step) or, with
  // 2,000 items over 60 annotators, mostly do not (the plain one); items 0 and 5 have no answers.
  for (const [annotatorCount, itemCount] of [
    [6, 3000],
    [60, 2000],
    [5, 3],
  ] as const) {
    it(`gives the same posteriors, to the last bit (${annotatorCount} annotators, ${itemCount} items)`, () => {
      const random = seededRandom(annotatorCount * 1000 + itemCount);
      const triples: [number, number, number][] = [];
      for (let i = 0; i < itemCount; i += 1) {
        if (i === 0 || i === 5) continue;
        const truth = Math.floor(random() * 4);
        const first = Math.floor(random() * annotatorCount);
        for (let slot = 0; slot < 3; slot += 1) {
          const j = (first + slot) % annotatorCount;
          triples.push([i, j, random() < 0.6 + 0.05 * (j % 6) ? truth : Math.floor(random() * 4)]);
        }
      }
      const data = labelDataOf(triples, { itemCount, annotatorCount, classCount: 4 });
      const expected = referenceDawidSkene(data);
      const result = dawidSkene(data);
      expect(result.iterations).toBe(expected.iterations);
      expect([...result.posteriors]).toEqual([...expected.posteriors]);
    });
  }
});

describe('reliability-weighted scores', () => {
  it('equal weights give the plain mean', () => {
    const result = reliabilityWeightedScores(
      { itemCount: 1, annotatorCount: 2, items: Int32Array.from([0, 0]), annotators: Int32Array.from([0, 1]), scores: Float64Array.from([2, 4]) },
      { iterations: 0 },
    );
    expect(result.scores[0]).toBe(3);
  });

  it('a noisy annotator gets less weight than careful ones', () => {
    const random = seededRandom(1);
    const items: number[] = [];
    const annotators: number[] = [];
    const scores: number[] = [];
    for (let i = 0; i < 300; i += 1) {
      const truth = 1 + Math.floor(random() * 5);
      [0.5, 1, 2].forEach((noise, j) => {
        items.push(i);
        annotators.push(j);
        scores.push(truth + noise * (random() * 2 - 1) * 1.7);
      });
    }
    const result = reliabilityWeightedScores({ itemCount: 300, annotatorCount: 3, items: Int32Array.from(items), annotators: Int32Array.from(annotators), scores: Float64Array.from(scores) });
    expect(result.weights[0]).toBeGreaterThan(result.weights[1]);
    expect(result.weights[1]).toBeGreaterThan(result.weights[2]);
  });
});
