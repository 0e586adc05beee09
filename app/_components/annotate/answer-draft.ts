/**
 * The answer an annotator is building for one task, before it is submitted.
 *
 * A draft holds every question's partial state (a Likert score for some completions, a ranking
 * order, an edit still being typed); `draftToAnswer` turns it into the API's answer (leaving out
 * optional questions left empty) and `findAnswerProblems` (shared with the server) says what is
 * still missing. `draftFromAnswer` rebuilds a draft from a submitted answer, for undo.
 */
import type { Answer, Question, RatingForm } from '@/lib/forms/schema';

export type CompletionView = { id: number; text: string };
export type PairwiseChoice = 'A' | 'B' | 'tie' | 'both_bad';

export type QuestionDraft =
  | { type: 'likert'; scores: Record<string, number> }
  | { type: 'pairwise'; choice: PairwiseChoice | null; strength: number | null }
  | { type: 'ranking'; order: number[] }
  | { type: 'thumbs'; votes: Record<string, 'up' | 'down'> }
  | { type: 'attributes'; scores: Record<string, Record<string, number>> }
  | { type: 'critique'; text: string }
  | { type: 'edit'; baseCompletionId: number; text: string; isEdited: boolean };

export type Draft = Record<string, QuestionDraft>;

function emptyQuestionDraft(question: Question, completions: CompletionView[]): QuestionDraft {
  switch (question.type) {
    case 'likert':
      return { type: 'likert', scores: {} };
    case 'pairwise':
      return { type: 'pairwise', choice: null, strength: null };
    case 'ranking':
      return { type: 'ranking', order: completions.map((c) => c.id) };
    case 'thumbs':
      return { type: 'thumbs', votes: {} };
    case 'attributes':
      return { type: 'attributes', scores: {} };
    case 'critique':
      return { type: 'critique', text: '' };
    case 'edit':
      return { type: 'edit', baseCompletionId: completions[0]?.id ?? 0, text: completions[0]?.text ?? '', isEdited: false };
  }
}

export function createDraft(form: RatingForm, completions: CompletionView[]): Draft {
  return Object.fromEntries(form.questions.map((q) => [q.id, emptyQuestionDraft(q, completions)]));
}

/** The API answer for a draft: optional questions left untouched are left out. */
export function draftToAnswer(form: RatingForm, draft: Draft, completions: CompletionView[]): Answer {
  const answer: Answer = {};
  for (const question of form.questions) {
    const d = draft[question.id];
    if (!d) continue;
    switch (d.type) {
      case 'likert':
        if (Object.keys(d.scores).length) answer[question.id] = { type: 'likert', scores: { ...d.scores } };
        break;
      case 'pairwise':
        if (d.choice) answer[question.id] = { type: 'pairwise', choice: d.choice, ...(d.strength && (d.choice === 'A' || d.choice === 'B') ? { strength: d.strength } : {}) };
        break;
      case 'ranking':
        answer[question.id] = { type: 'ranking', order: [...d.order] };
        break;
      case 'thumbs':
        if (Object.keys(d.votes).length) answer[question.id] = { type: 'thumbs', votes: { ...d.votes } };
        break;
      case 'attributes':
        if (Object.keys(d.scores).length) answer[question.id] = { type: 'attributes', scores: structuredClone(d.scores) };
        break;
      case 'critique':
        if (d.text.trim()) answer[question.id] = { type: 'critique', text: d.text };
        break;
      case 'edit': {
        // An ideal answer is only worth storing when it differs from the completion it started from.
        const base = completions.find((c) => c.id === d.baseCompletionId);
        if (d.text.trim() && d.text !== base?.text) answer[question.id] = { type: 'edit', text: d.text, baseCompletionId: d.baseCompletionId };
        break;
      }
    }
  }
  return answer;
}

/** A draft prefilled with a previous answer (shown again after undo). */
export function draftFromAnswer(form: RatingForm, answer: Answer, completions: CompletionView[]): Draft {
  const draft = createDraft(form, completions);
  for (const question of form.questions) {
    const a = answer[question.id];
    if (!a || a.type !== question.type) continue;
    switch (a.type) {
      case 'likert':
        draft[question.id] = { type: 'likert', scores: { ...a.scores } };
        break;
      case 'pairwise':
        draft[question.id] = { type: 'pairwise', choice: a.choice, strength: a.strength ?? null };
        break;
      case 'ranking':
        draft[question.id] = { type: 'ranking', order: [...a.order] };
        break;
      case 'thumbs':
        draft[question.id] = { type: 'thumbs', votes: { ...a.votes } };
        break;
      case 'attributes':
        draft[question.id] = { type: 'attributes', scores: structuredClone(a.scores) };
        break;
      case 'critique':
        draft[question.id] = { type: 'critique', text: a.text };
        break;
      case 'edit':
        draft[question.id] = { type: 'edit', baseCompletionId: a.baseCompletionId, text: a.text, isEdited: true };
        break;
    }
  }
  return draft;
}

/** Questions answered once per completion (shown inside each completion's card). */
export function isPerCompletion(question: Question): boolean {
  return question.type === 'likert' || question.type === 'thumbs' || question.type === 'attributes';
}

/**
 * Where a number key goes: the first per-completion question (for the focused completion);
 * else a ranking (the number is a position); else a pairwise strength.
 */
export function findNumberTarget(form: RatingForm): Question | null {
  return form.questions.find(isPerCompletion) ?? form.questions.find((q) => q.type === 'ranking') ?? form.questions.find((q) => q.type === 'pairwise' && q.withStrength) ?? null;
}

/** Moves one item of a ranking to a new 0-based position. */
export function moveInOrder(order: number[], completionId: number, toIndex: number): number[] {
  const from = order.indexOf(completionId);
  if (from < 0) return order;
  const clamped = Math.max(0, Math.min(order.length - 1, toIndex));
  const next = order.filter((id) => id !== completionId);
  next.splice(clamped, 0, completionId);
  return next;
}

/** Display label of the completion at a display index: A, B, C, … */
export function completionLabel(index: number): string {
  return String.fromCharCode(65 + index);
}
