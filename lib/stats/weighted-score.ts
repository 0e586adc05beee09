/**
 * Consensus for scores (Likert, attribute scores): a reliability-weighted mean per item.
 *
 * Each annotator j is modelled as the true score plus noise of their own variance σ_j²; the
 * maximum-likelihood consensus is then the inverse-variance weighted mean, and σ_j² is the mean
 * squared distance of j's scores from the consensus. Starting from plain means, the two are
 * alternated a few times (the Gaussian counterpart of Dawid-Skene). A mean rather than a median:
 * it keeps the resolution between scale points (3.4 vs 3.6 still orders two completions), and
 * the weights already shrink the careless annotators a median would guard against.
 */
export type ScoreData = { itemCount: number; annotatorCount: number; items: Int32Array; annotators: Int32Array; scores: Float64Array };

export type WeightedScoreResult = {
  /** Consensus score per item (NaN for an item with no scores). */
  scores: Float64Array;
  /** Weight per annotator (1 / estimated noise variance), normalised to mean 1 over annotators with scores. */
  weights: number[];
  /** Estimated noise standard deviation per annotator. */
  noise: number[];
};

export function reliabilityWeightedScores(data: ScoreData, options: { iterations?: number; floor?: number } = {}): WeightedScoreResult {
  const { itemCount: I, annotatorCount: J, items, annotators, scores } = data;
  const iterations = options.iterations ?? 10;
  // A floor on the variance: one perfect annotator must not take all the weight.
  const floor = options.floor ?? 0.05;
  const weights = new Array<number>(J).fill(1);
  const consensus = new Float64Array(I);
  const variance = new Array<number>(J).fill(1);
  for (let iteration = 0; iteration <= iterations; iteration += 1) {
    const sum = new Float64Array(I);
    const weight = new Float64Array(I);
    for (let a = 0; a < items.length; a += 1) {
      sum[items[a]] += weights[annotators[a]] * scores[a];
      weight[items[a]] += weights[annotators[a]];
    }
    for (let i = 0; i < I; i += 1) consensus[i] = weight[i] > 0 ? sum[i] / weight[i] : Number.NaN;
    if (iteration === iterations) break;
    const squares = new Float64Array(J);
    const count = new Float64Array(J);
    for (let a = 0; a < items.length; a += 1) {
      squares[annotators[a]] += (scores[a] - consensus[items[a]]) ** 2;
      count[annotators[a]] += 1;
    }
    let total = 0;
    let active = 0;
    for (let j = 0; j < J; j += 1) {
      variance[j] = count[j] > 0 ? Math.max(floor, squares[j] / count[j]) : 1;
      weights[j] = 1 / variance[j];
      if (count[j] > 0) {
        total += weights[j];
        active += 1;
      }
    }
    for (let j = 0; j < J; j += 1) weights[j] = active > 0 ? (weights[j] * active) / total : 1;
  }
  return { scores: consensus, weights, noise: variance.map(Math.sqrt) };
}
