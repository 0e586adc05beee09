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
};

export type PreferencePair = { annotationId: number; promptId: number; prompt: PromptContent; chosen: string; rejected: string; strength: number | null };
export type SftExample = { annotationId: number; promptId: number; prompt: PromptContent; completion: string; source: 'edit' | 'top_rated' };

type Preference = { chosen: number; rejected: number; strength: number | null };

/** The (chosen, rejected) completion ids one question's answer states. */
function preferencesOf(question: RatingForm['questions'][number], answer: Answer[string] | undefined, completionIds: number[]): Preference[] {
  if (!answer || answer.type !== question.type) return [];
  const byScore = (scores: Map<number, number>): Preference[] => {
    const out: Preference[] = [];
    for (const [a, sa] of scores) for (const [b, sb] of scores) if (sa > sb) out.push({ chosen: a, rejected: b, strength: null });
    return out;
  };
  switch (answer.type) {
    case 'pairwise': {
      const [a, b] = completionIds;
      if (answer.choice === 'A') return [{ chosen: a, rejected: b, strength: answer.strength ?? null }];
      if (answer.choice === 'B') return [{ chosen: b, rejected: a, strength: answer.strength ?? null }];
      return [];
    }
    case 'ranking': {
      const out: Preference[] = [];
      answer.order.forEach((chosen, i) => answer.order.slice(i + 1).forEach((rejected) => out.push({ chosen, rejected, strength: null })));
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
      return Object.entries(answer.scores).filter(([, s]) => s === max).map(([id]) => Number(id));
    }
    case 'thumbs':
      return Object.entries(answer.votes).filter(([, v]) => v === 'up').map(([id]) => Number(id));
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
export function buildTrainingData(form: RatingForm, records: AnnotationRecord[]): { pairs: PreferencePair[]; sft: SftExample[] } {
  const pairs: PreferencePair[] = [];
  const sft: SftExample[] = [];
  for (const record of records) {
    const stated = new Map<string, Preference>();
    for (const question of form.questions) {
      for (const p of preferencesOf(question, record.answer[question.id], record.completionIds)) stated.set(`${p.chosen}>${p.rejected}`, p);
    }
    for (const p of stated.values()) {
      if (stated.has(`${p.rejected}>${p.chosen}`)) continue; // contradicting questions cancel out
      const chosen = record.completions.get(p.chosen);
      const rejected = record.completions.get(p.rejected);
      if (chosen === undefined || rejected === undefined || chosen === rejected) continue;
      pairs.push({ annotationId: record.annotationId, promptId: record.promptId, prompt: record.prompt, chosen, rejected, strength: p.strength });
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
