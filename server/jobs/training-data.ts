/**
 * How ratings become training data: the one place that turns a submitted annotation into
 * preference pairs (reward model, DPO) and supervised examples (SFT). Pure functions, shared by
 * the trainer's rounds and the exports.
 *
 * Preference pairs (chosen beats rejected), per annotation, from each question of the form:
 * - pairwise: A or B beats the other. A tie says neither is better, and "both bad" says nothing
 *   about which is better: both give no pair (Bradley-Terry has no term for them). "Both bad" is
 *   kept as a rejection of both for SFT (neither becomes a target). Strength (1-3) becomes the
 *   pair's `strength`, which exports may write as a margin.
 * - ranking: every ordered pair (best first: order[i] beats order[j] for i < j).
 * - likert / thumbs / attributes (mean over attributes): within the task, higher beats lower;
 *   equal scores give no pair.
 * One annotation may answer several preference questions: a pair it states twice counts once, and
 * two questions that contradict each other (a beats b, b beats a) cancel out.
 *
 * Supervised examples: edited answers (the annotator's rewrite of a completion), and the top-rated
 * completion of each annotation (the pairwise choice, rank 1, the highest Likert / attribute score
 * when it is the top of the scale, a thumbs-up).
 */
import type { Answer, RatingForm } from '../../lib/forms/schema';

export type ChatTurn = { role: 'system' | 'user' | 'assistant'; content: string };
export type PromptContent = string | ChatTurn[];

/** What the trainer reads of one submitted annotation. */
export type AnnotationRecord = {
  annotationId: number;
  promptId: number;
  prompt: PromptContent;
  split: 'TRAIN' | 'HELDOUT';
  /** Completion id -> text, for the task's completions (and the edit, when there is one). */
  completions: Map<number, string>;
  /** Display order of the task. */
  completionIds: number[];
  answer: Answer;
  /** The annotator's rewrite, when the form has an edit question and they used it. */
  editedText: string | null;
  /** The confidence weight (0-1) a weighted snapshot froze for this answer; absent or null: 1. */
  weight?: number | null;
};

/**
 * `strength` is the pairwise question's 1-3 answer (null otherwise). `margin` is how much better
 * chosen is, for exports that write one: the strength, the score gap (Likert, mean attribute score,
 * thumbs 1/0) or the rank distance; 0 for a tie or "both bad" kept by the options. `weight` is the
 * annotation's confidence weight (every pair of one annotation shares it), 1 when the snapshot has
 * none: the trainer's reward-model and DPO losses are means weighted by it.
 */
export type PreferencePair = {
  annotationId: number;
  promptId: number;
  prompt: PromptContent;
  chosen: string;
  rejected: string;
  strength: number | null;
  margin: number | null;
  weight: number;
};

/**
 * Choices for exports. The defaults are the trainer's rules above (all ranked pairs, ties and
 * "both bad" dropped).
 */
export type TrainingDataOptions = {
  /** 'all': every ordered pair of a ranking; 'adjacent': only neighbours (1>2, 2>3, ...). */
  rankingPairs?: 'all' | 'adjacent';
  /** Keep a pairwise tie as a pair (A first) with margin 0. */
  includeTies?: boolean;
  /** Keep a pairwise "both bad" as a pair (A first) with margin 0. */
  includeBothBad?: boolean;
};
export type SftExample = { annotationId: number; promptId: number; prompt: PromptContent; completion: string; source: 'edit' | 'top_rated' };

type Preference = { chosen: number; rejected: number; strength: number | null; margin: number | null };

/** The (chosen, rejected) completion ids one question's answer states. */
function preferencesOf(question: RatingForm['questions'][number], answer: Answer[string] | undefined, completionIds: number[], options: TrainingDataOptions): Preference[] {
  if (!answer || answer.type !== question.type) return [];
  const byScore = (scores: Map<number, number>): Preference[] => {
    const out: Preference[] = [];
    for (const [a, sa] of scores) for (const [b, sb] of scores) if (sa > sb) out.push({ chosen: a, rejected: b, strength: null, margin: sa - sb });
    return out;
  };
  switch (answer.type) {
    case 'pairwise': {
      const [a, b] = completionIds;
      const strength = answer.strength ?? null;
      if (answer.choice === 'A') return [{ chosen: a, rejected: b, strength, margin: strength }];
      if (answer.choice === 'B') return [{ chosen: b, rejected: a, strength, margin: strength }];
      if ((answer.choice === 'tie' && options.includeTies) || (answer.choice === 'both_bad' && options.includeBothBad)) return [{ chosen: a, rejected: b, strength: null, margin: 0 }];
      return [];
    }
    case 'ranking': {
      const out: Preference[] = [];
      const isAdjacentOnly = options.rankingPairs === 'adjacent';
      answer.order.forEach((chosen, i) =>
        answer.order.slice(i + 1).forEach((rejected, k) => {
          if (!isAdjacentOnly || k === 0) out.push({ chosen, rejected, strength: null, margin: k + 1 });
        }),
      );
      return out;
    }
    case 'likert':
      return byScore(new Map(Object.entries(answer.scores).map(([id, s]) => [Number(id), s])));
    case 'thumbs':
      return byScore(new Map(Object.entries(answer.votes).map(([id, v]) => [Number(id), v === 'up' ? 1 : 0])));
    case 'attributes':
      return byScore(
        new Map(
          Object.entries(answer.scores).map(([id, perAttribute]) => {
            const values = Object.values(perAttribute);
            return [Number(id), values.reduce((s, v) => s + v, 0) / Math.max(1, values.length)];
          }),
        ),
      );
    default:
      return [];
  }
}

/** The completion ids an annotation rates best (see the header for the rules per question type). */
function topRatedOf(question: RatingForm['questions'][number], answer: Answer[string] | undefined, completionIds: number[]): number[] {
  if (!answer || answer.type !== question.type) return [];
  switch (answer.type) {
    case 'pairwise':
      return answer.choice === 'A' ? [completionIds[0]] : answer.choice === 'B' ? [completionIds[1]] : [];
    case 'ranking':
      return answer.order.slice(0, 1);
    case 'likert': {
      const max = question.type === 'likert' ? question.max : Infinity;
      return Object.entries(answer.scores)
        .filter(([, s]) => s === max)
        .map(([id]) => Number(id));
    }
    case 'thumbs':
      return Object.entries(answer.votes)
        .filter(([, v]) => v === 'up')
        .map(([id]) => Number(id));
    case 'attributes': {
      if (question.type !== 'attributes') return [];
      return Object.entries(answer.scores)
        .filter(([, perAttribute]) => question.attributes.every((a) => perAttribute[a.name] === a.max))
        .map(([id]) => Number(id));
    }
    default:
      return [];
  }
}

/** Preference pairs and SFT examples of a list of annotations, in their order. */
export function buildTrainingData(form: RatingForm, records: AnnotationRecord[], options: TrainingDataOptions = {}): { pairs: PreferencePair[]; sft: SftExample[] } {
  const pairs: PreferencePair[] = [];
  const sft: SftExample[] = [];
  for (const record of records) {
    const stated = new Map<string, Preference>();
    for (const question of form.questions) {
      for (const p of preferencesOf(question, record.answer[question.id], record.completionIds, options)) stated.set(`${p.chosen}>${p.rejected}`, p);
    }
    for (const p of stated.values()) {
      // Contradicting questions cancel out (a kept tie, margin 0, is one pair and never contradicts).
      if (stated.has(`${p.rejected}>${p.chosen}`)) continue;
      const chosen = record.completions.get(p.chosen);
      const rejected = record.completions.get(p.rejected);
      if (chosen === undefined || rejected === undefined || chosen === rejected) continue;
      pairs.push({ annotationId: record.annotationId, promptId: record.promptId, prompt: record.prompt, chosen, rejected, strength: p.strength, margin: p.margin, weight: record.weight ?? 1 });
    }
    const base = { annotationId: record.annotationId, promptId: record.promptId, prompt: record.prompt };
    if (record.editedText !== null && record.editedText.trim()) sft.push({ ...base, completion: record.editedText, source: 'edit' });
    const top = new Set(form.questions.flatMap((q) => topRatedOf(q, record.answer[q.id], record.completionIds)));
    for (const id of top) {
      const text = record.completions.get(id);
      if (text !== undefined && text !== record.editedText) sft.push({ ...base, completion: text, source: 'top_rated' });
    }
  }
  return { pairs, sft };
}

/** One unpaired (KTO) example: was this completion desirable? */
export type KtoExample = { annotationId: number; promptId: number; prompt: PromptContent; completion: string; label: boolean };

/**
 * Unpaired labels (TRL's KTO): thumbs up is desirable, down is not; a Likert score, or the mean
 * of a completion's attribute scores, above the threshold is desirable and below it is not; a
 * score equal to it says nothing and is dropped. The default threshold is the scale's midpoint
 * (for attributes, the mean of their midpoints). Two questions that label one completion
 * differently cancel out.
 */
export function buildKtoExamples(form: RatingForm, records: AnnotationRecord[], options: { threshold?: number } = {}): KtoExample[] {
  const out: KtoExample[] = [];
  for (const record of records) {
    const labels = new Map<number, boolean | null>();
    const label = (id: number, value: boolean) => labels.set(id, labels.has(id) && labels.get(id) !== value ? null : value);
    const byThreshold = (id: number, score: number, threshold: number) => {
      if (score > threshold) label(id, true);
      else if (score < threshold) label(id, false);
    };
    for (const question of form.questions) {
      const answer = record.answer[question.id];
      if (!answer || answer.type !== question.type) continue;
      if (answer.type === 'thumbs') for (const [id, vote] of Object.entries(answer.votes)) label(Number(id), vote === 'up');
      if (answer.type === 'likert' && question.type === 'likert') {
        const threshold = options.threshold ?? (question.min + question.max) / 2;
        for (const [id, score] of Object.entries(answer.scores)) byThreshold(Number(id), score, threshold);
      }
      if (answer.type === 'attributes' && question.type === 'attributes') {
        const threshold = options.threshold ?? question.attributes.reduce((s, a) => s + (a.min + a.max) / 2, 0) / question.attributes.length;
        for (const [id, perAttribute] of Object.entries(answer.scores)) {
          const values = Object.values(perAttribute);
          if (values.length > 0) byThreshold(Number(id), values.reduce((s, v) => s + v, 0) / values.length, threshold);
        }
      }
    }
    for (const id of record.completionIds) {
      const value = labels.get(id);
      const completion = record.completions.get(id);
      if (value === undefined || value === null || completion === undefined) continue;
      out.push({ annotationId: record.annotationId, promptId: record.promptId, prompt: record.prompt, completion, label: value });
    }
  }
  return out;
}
