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
  const { itemCount: I, annotatorCount: J, classCount: K, items, labels } = data;
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
  const shared = sharedAnswerLists(data);
  const logPosterior = new Float64Array(shared ? 0 : I * K);
  let iterations = 0;
  for (; iterations < maxIterations; iterations += 1) {
    // M step.
    const answeredCount = sumAnsweredRows(posteriors, answered, K, priors);
    for (let k = 0; k < K; k += 1) priors[k] = answeredCount > 0 ? priors[k] / answeredCount : 1 / K;
    const counts = new Float64Array(J * K * K).fill(smoothing);
    addPosteriorsToConfusion(counts, posteriors, data);
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
    if (shared) {
      // Once per distinct answer list, then copied to the items that share it.
      const R = shared.rows.itemCount;
      for (let k = 0; k < K; k += 1) {
        const logPrior = logPriors[k];
        for (let at = k; at < R * K; at += K) shared.logPosterior[at] = logPrior;
      }
      addConfusionToLogPosteriors(shared.logPosterior, logConfusion, shared.rows);
      exponentiateRows(shared.logPosterior, shared.posteriors, R, K);
      copyRows(shared.posteriors, shared.rowOf, posteriors, K);
    } else {
      for (let k = 0; k < K; k += 1) {
        const logPrior = logPriors[k];
        for (let at = k; at < I * K; at += K) logPosterior[at] = logPrior;
      }
      addConfusionToLogPosteriors(logPosterior, logConfusion, data);
      exponentiateRows(logPosterior, posteriors, I, K);
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

/*
 * The three passes over every answer or item, as small functions of typed arrays. With four
 * classes (pairwise choices) or two (thumbs) the class loop is written out: a loop of a variable
 * four steps inside a loop over a million answers cost 2-4x the written-out version here. Every
 * cell receives the same additions in the same order either way, so the results are the same to
 * the last bit.
 */

/** M step: counts[j][k][l] += T_ik for each answer (item i, annotator j, label l). */
function addPosteriorsToConfusion(counts: Float64Array, posteriors: Float64Array, data: LabelData): void {
  const { classCount: K, items, annotators, labels } = data;
  if (K === 4) {
    for (let a = 0; a < items.length; a += 1) {
      const base = annotators[a] * 16 + labels[a];
      const row = items[a] * 4;
      counts[base] += posteriors[row];
      counts[base + 4] += posteriors[row + 1];
      counts[base + 8] += posteriors[row + 2];
      counts[base + 12] += posteriors[row + 3];
    }
  } else if (K === 2) {
    for (let a = 0; a < items.length; a += 1) {
      const base = annotators[a] * 4 + labels[a];
      const row = items[a] * 2;
      counts[base] += posteriors[row];
      counts[base + 2] += posteriors[row + 1];
    }
  } else {
    for (let a = 0; a < items.length; a += 1) {
      const base = annotators[a] * K * K + labels[a];
      const row = items[a] * K;
      for (let k = 0; k < K; k += 1) counts[base + k * K] += posteriors[row + k];
    }
  }
}

/** E step: log T_ik += log π_j[k][l] for each answer. */
function addConfusionToLogPosteriors(logPosterior: Float64Array, logConfusion: Float64Array, data: LabelData): void {
  const { classCount: K, items, annotators, labels } = data;
  if (K === 4) {
    for (let a = 0; a < items.length; a += 1) {
      const base = annotators[a] * 16 + labels[a];
      const row = items[a] * 4;
      logPosterior[row] += logConfusion[base];
      logPosterior[row + 1] += logConfusion[base + 4];
      logPosterior[row + 2] += logConfusion[base + 8];
      logPosterior[row + 3] += logConfusion[base + 12];
    }
  } else if (K === 2) {
    for (let a = 0; a < items.length; a += 1) {
      const base = annotators[a] * 4 + labels[a];
      const row = items[a] * 2;
      logPosterior[row] += logConfusion[base];
      logPosterior[row + 1] += logConfusion[base + 2];
    }
  } else {
    for (let a = 0; a < items.length; a += 1) {
      const base = annotators[a] * K * K + labels[a];
      const row = items[a] * K;
      for (let k = 0; k < K; k += 1) logPosterior[row + k] += logConfusion[base + k * K];
    }
  }
}

/**
 * Items whose answers are the same list (the same annotators giving the same labels, in the same
 * order) have the same posterior, computed from the same numbers in the same order: the E step
 * can work it out once per distinct list and copy it. With a few dozen annotators and an overlap
 * of three, most lists recur (the benchmark's 333,334 tasks have a few tens of thousands), and
 * the E step (an exp per item and class) was half of each iteration. Null when lists rarely recur
 * (more than 3 in 4 distinct), or when annotator x class codes do not fit a UTF-16 unit (the key).
 */
function sharedAnswerLists(data: LabelData): { rows: LabelData; rowOf: Int32Array; logPosterior: Float64Array; posteriors: Float64Array } | null {
  const { itemCount: I, annotatorCount: J, classCount: K, items, annotators, labels } = data;
  if (J * K > 65536 || I === 0) return null;
  // Each item's answers in their order: a stable counting sort of the answers by item.
  const starts = new Int32Array(I + 1);
  for (let a = 0; a < items.length; a += 1) starts[items[a] + 1] += 1;
  for (let i = 0; i < I; i += 1) starts[i + 1] += starts[i];
  const next = starts.slice(0, I);
  const codes = new Uint16Array(items.length);
  for (let a = 0; a < items.length; a += 1) codes[next[items[a]]++] = annotators[a] * K + labels[a];
  const rowByKey = new Map<string, number>();
  const rowOf = new Int32Array(I);
  const firstItems: number[] = [];
  for (let i = 0; i < I; i += 1) {
    const key = String.fromCharCode(...codes.subarray(starts[i], starts[i + 1]));
    let row = rowByKey.get(key);
    if (row === undefined) {
      row = firstItems.length;
      rowByKey.set(key, row);
      firstItems.push(i);
    }
    rowOf[i] = row;
  }
  const R = firstItems.length;
  if (R * 4 > I * 3) return null;
  let answers = 0;
  for (const i of firstItems) answers += starts[i + 1] - starts[i];
  const rows: LabelData = { itemCount: R, annotatorCount: J, classCount: K, items: new Int32Array(answers), annotators: new Int32Array(answers), labels: new Int32Array(answers) };
  let at = 0;
  firstItems.forEach((i, row) => {
    for (let p = starts[i]; p < starts[i + 1]; p += 1) {
      rows.items[at] = row;
      rows.annotators[at] = Math.floor(codes[p] / K);
      rows.labels[at] = codes[p] % K;
      at += 1;
    }
  });
  return { rows, rowOf, logPosterior: new Float64Array(R * K), posteriors: new Float64Array(R * K) };
}

/** to[i] = from[rowOf[i]], rows of K. */
function copyRows(from: Float64Array, rowOf: Int32Array, to: Float64Array, K: number): void {
  for (let i = 0; i < rowOf.length; i += 1) {
    const source = rowOf[i] * K;
    const target = i * K;
    for (let k = 0; k < K; k += 1) to[target + k] = from[source + k];
  }
}

/** priors[k] = Σ over answered items of T_ik (in item order, as a loop over items would); returns the answered items. */
function sumAnsweredRows(posteriors: Float64Array, answered: Uint8Array, K: number, priors: number[]): number {
  let answeredCount = 0;
  for (let i = 0; i < answered.length; i += 1) answeredCount += answered[i];
  for (let k = 0; k < K; k += 1) {
    let sum = 0;
    for (let i = 0; i < answered.length; i += 1) if (answered[i]) sum += posteriors[i * K + k];
    priors[k] = sum;
  }
  return answeredCount;
}

/** Posteriors from log posteriors, row by row (one exp per entry, kept and then divided). */
function exponentiateRows(logPosterior: Float64Array, posteriors: Float64Array, I: number, K: number): void {
  for (let i = 0; i < I; i += 1) {
    const row = i * K;
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < K; k += 1) max = Math.max(max, logPosterior[row + k]);
    let total = 0;
    for (let k = 0; k < K; k += 1) {
      const e = Math.exp(logPosterior[row + k] - max);
      posteriors[row + k] = e;
      total += e;
    }
    for (let k = 0; k < K; k += 1) posteriors[row + k] /= total;
  }
}

function normaliseRow(values: Float64Array, start: number, length: number, fallback: number): void {
  let total = 0;
  for (let k = 0; k < length; k += 1) total += values[start + k];
  for (let k = 0; k < length; k += 1) values[start + k] = total > 0 ? values[start + k] / total : fallback;
}
