/**
 * Categorical labels in the compact form the consensus models read: three parallel arrays, one
 * entry per annotation (item index, annotator index, class index), so a million annotations are
 * 12 MB of typed arrays rather than a million objects.
 */
export type LabelData = {
  itemCount: number;
  annotatorCount: number;
  classCount: number;
  items: Int32Array;
  annotators: Int32Array;
  labels: Int32Array;
};

/** Label data from (item, annotator, class) triples (tests and small callers). */
export function labelDataOf(triples: readonly (readonly [number, number, number])[], counts?: { itemCount?: number; annotatorCount?: number; classCount?: number }): LabelData {
  const max = (i: 0 | 1 | 2) => triples.reduce((m, t) => Math.max(m, t[i] + 1), 0);
  return {
    itemCount: counts?.itemCount ?? max(0),
    annotatorCount: counts?.annotatorCount ?? max(1),
    classCount: counts?.classCount ?? max(2),
    items: Int32Array.from(triples.map((t) => t[0])),
    annotators: Int32Array.from(triples.map((t) => t[1])),
    labels: Int32Array.from(triples.map((t) => t[2])),
  };
}
