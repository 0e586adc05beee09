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
