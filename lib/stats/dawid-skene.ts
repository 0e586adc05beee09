/**
 * Dawid & Skene (1979): each annotator j has a confusion matrix π_j[k][l], the probability of
 * answering l when the true class is k; classes have priors p_k. EM alternates:
 * - E: the posterior of item i's class, T_ik ∝ p_k · Π over its annotations (j, l) of π_j[k][l];
 * - M: p_k = mean_i T_ik; π_j[k][l] ∝ s + Σ over j's answers l on items i of T_ik (s = a small
 *   additive smoothing, so a class an annotator never saw does not give log 0).
 * It starts from the majority vote's soft counts (each item's vote shares), the usual start, and
 * stops when no parameter moves more than `tolerance` in an iteration (priors, and confusion
 * entries weighted by their class's prior: the row of a class that almost never occurs wanders
 * without changing any label), or after `maxIterations`.
 *
 * Cost per iteration: O(annotations · classes), over typed arrays (a million annotations with
 * four classes: a few milliseconds per iteration).
 */
import type { LabelData } from './labels';

export type DawidSkeneOptions = { maxIterations?: number; tolerance?: number; smoothing?: number };

export type DawidSkeneResult = {
  /** Posterior class probabilities, item-major: posteriors[i * classCount + k]. */
  posteriors: Float64Array;
  /** Most probable class per item (-1 for an item with no annotations). */
  labels: Int32Array;
  /** Posterior probability of that class. */
  confidence: Float64Array;
  priors: number[];
  /** confusion[j][k][l]: P(annotator j answers l | true class k). */
  confusion: number[][][];
  /** Estimated accuracy per annotator: Σ_k p_k π_j[k][k]. */
  accuracy: number[];
  iterations: number;
};

export function dawidSkene(data: LabelData, options: DawidSkeneOptions = {}): DawidSkeneResult {
  const { itemCount: I, annotatorCount: J, classCount: K, items, annotators, labels } = data;
  const maxIterations = options.maxIterations ?? 50;
  const tolerance = options.tolerance ?? 1e-4;
  const smoothing = options.smoothing ?? 0.01;
  const A = items.length;

  // Start: the majority vote's soft counts.
  const posteriors = new Float64Array(I * K);
  const answered = new Uint8Array(I);
  for (let a = 0; a < A; a += 1) {
    posteriors[items[a] * K + labels[a]] += 1;
    answered[items[a]] = 1;
  }
  for (let i = 0; i < I; i += 1) normaliseRow(posteriors, i * K, K, 1 / K);

  const priors = new Array<number>(K).fill(1 / K);
  const previousPriors = new Array<number>(K).fill(0);
  // exp(-Infinity) = 0: the first iteration always counts as a change.
  const logConfusion = new Float64Array(J * K * K).fill(Number.NEGATIVE_INFINITY);
  const logPosterior = new Float64Array(I * K);
  let iterations = 0;
  for (; iterations < maxIterations; iterations += 1) {
    // M step.
    priors.fill(0);
    let answeredCount = 0;
    for (let i = 0; i < I; i += 1) {
      if (!answered[i]) continue;
      answeredCount += 1;
      for (let k = 0; k < K; k += 1) priors[k] += posteriors[i * K + k];
    }
    for (let k = 0; k < K; k += 1) priors[k] = answeredCount > 0 ? priors[k] / answeredCount : 1 / K;
    const counts = new Float64Array(J * K * K).fill(smoothing);
    for (let a = 0; a < A; a += 1) {
      const base = annotators[a] * K * K + labels[a];
      const row = items[a] * K;
      for (let k = 0; k < K; k += 1) counts[base + k * K] += posteriors[row + k];
    }
    let change = 0;
    for (let k = 0; k < K; k += 1) {
      change = Math.max(change, Math.abs(priors[k] - previousPriors[k]));
      previousPriors[k] = priors[k];
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
    // E step.
    const logPriors = priors.map((p) => Math.log(Math.max(p, 1e-300)));
    for (let i = 0; i < I; i += 1) for (let k = 0; k < K; k += 1) logPosterior[i * K + k] = logPriors[k];
    for (let a = 0; a < A; a += 1) {
      const base = annotators[a] * K * K + labels[a];
      const row = items[a] * K;
      for (let k = 0; k < K; k += 1) logPosterior[row + k] += logConfusion[base + k * K];
    }
    for (let i = 0; i < I; i += 1) {
      const row = i * K;
      let max = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < K; k += 1) max = Math.max(max, logPosterior[row + k]);
      let total = 0;
      for (let k = 0; k < K; k += 1) total += Math.exp(logPosterior[row + k] - max);
      for (let k = 0; k < K; k += 1) {
        posteriors[row + k] = Math.exp(logPosterior[row + k] - max) / total;
      }
    }
  }

  const labelsOut = new Int32Array(I).fill(-1);
  const confidence = new Float64Array(I);
  for (let i = 0; i < I; i += 1) {
    if (!answered[i]) continue;
    let best = 0;
    for (let k = 1; k < K; k += 1) if (posteriors[i * K + k] > posteriors[i * K + best]) best = k;
    labelsOut[i] = best;
    confidence[i] = posteriors[i * K + best];
  }
  const confusion = Array.from({ length: J }, (_, j) => Array.from({ length: K }, (_, k) => Array.from({ length: K }, (_, l) => Math.exp(logConfusion[(j * K + k) * K + l]))));
  const accuracy = confusion.map((matrix) => matrix.reduce((s, row, k) => s + priors[k] * row[k], 0));
  return { posteriors, labels: labelsOut, confidence, priors, confusion, accuracy, iterations };
}

function normaliseRow(values: Float64Array, start: number, length: number, fallback: number): void {
  let total = 0;
  for (let k = 0; k < length; k += 1) total += values[start + k];
  for (let k = 0; k < length; k += 1) values[start + k] = total > 0 ? values[start + k] / total : fallback;
}
