/**
 * Majority vote per item: the class most annotators gave, with its share of the votes as the
 * confidence. A tie between classes gives no label (-1): which way to break it is exactly what
 * a majority vote cannot know (Dawid-Skene can: lib/stats/dawid-skene.ts).
 */
import type { LabelData } from './labels';

export type MajorityVote = {
  /** Class per item, -1 when tied or unlabelled. */
  labels: Int32Array;
  /** Share of the item's votes for its label (0 when none). */
  confidence: Float64Array;
  /** Votes per item and class, item-major: votes[i * classCount + k]. */
  votes: Float64Array;
};

export function majorityVote(data: LabelData): MajorityVote {
  const { itemCount, classCount } = data;
  const votes = new Float64Array(itemCount * classCount);
  for (let a = 0; a < data.items.length; a += 1) votes[data.items[a] * classCount + data.labels[a]] += 1;
  const labels = new Int32Array(itemCount).fill(-1);
  const confidence = new Float64Array(itemCount);
  for (let i = 0; i < itemCount; i += 1) {
    let best = -1;
    let bestVotes = 0;
    let total = 0;
    let isTied = false;
    for (let k = 0; k < classCount; k += 1) {
      const v = votes[i * classCount + k];
      total += v;
      if (v > bestVotes) {
        best = k;
        bestVotes = v;
        isTied = false;
      } else if (v === bestVotes && v > 0) isTied = true;
    }
    if (total > 0 && !isTied) {
      labels[i] = best;
      confidence[i] = bestVotes / total;
    }
  }
  return { labels, confidence, votes };
}
