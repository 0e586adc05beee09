/**
 * The answer an annotator is building for one task, before it is submitted.
 *
 * A draft holds every question's partial state (a Likert score for some completions, a ranking
 * order, an edit still being typed); `draftToAnswer` turns it into the API's answer (leaving out
 * optional questions left empty) and `findAnswerProblems` (shared with the server) says what is
 * still missing. `draftFromAnswer` rebuilds a draft from a submitted answer, for undo.
 *
 * A ranking starts empty: its draft is one slot per place (best first), each holding a completion
 * or null, and the annotator places every completion (showing the display order as a ranking would
 * let Enter save a ranking nobody made).
 *
 * Number keys answer "score slots": every scored cell of the per-completion questions (a Likert or
 * thumbs question for one completion, one attribute of one completion), in reading order: the
 * first completion's questions top to bottom, then the next completion's.
 */
import type { Answer, Question, RatingForm } from '@/lib/forms/schema';

export type CompletionView = { id: number; text: string };
export type PairwiseChoice = 'A' | 'B' | 'tie' | 'both_bad';

export type QuestionDraft =
  | { type: 'likert'; scores: Record<string, number> }
  | { type: 'pairwise'; choice: PairwiseChoice | null; strength: number | null }
  | { type: 'ranking'; order: (number | null)[] }
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
      return { type: 'ranking', order: completions.map(() => null) };
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
      case 'ranking': {
        // Only a complete ranking is an answer; an incomplete one is refused before sending (findIncompleteRanking).
        const placed = d.order.filter((id): id is number => id !== null);
        if (placed.length === d.order.length && placed.length > 0) answer[question.id] = { type: 'ranking', order: placed };
        break;
      }
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

/** A ranking question whose ranking is started or required but not every completion is placed, with how many are. */
export function findIncompleteRanking(form: RatingForm, draft: Draft): { question: Question; placed: number; total: number } | null {
  for (const question of form.questions) {
    const d = draft[question.id];
    if (question.type !== 'ranking' || d?.type !== 'ranking') continue;
    const placed = d.order.filter((id) => id !== null).length;
    if (placed < d.order.length && (placed > 0 || question.required)) return { question, placed, total: d.order.length };
  }
  return null;
}

/**
 * Puts a completion in a ranking slot (0-based). It leaves the slot it was in; a completion
 * already in the target slot takes the slot this one left, or becomes unplaced.
 */
export function placeInRanking(order: (number | null)[], completionId: number, slot: number): (number | null)[] {
  if (slot < 0 || slot >= order.length) return order;
  const from = order.indexOf(completionId);
  const next = [...order];
  const displaced = next[slot];
  next[slot] = completionId;
  if (from >= 0 && from !== slot) next[from] = displaced !== completionId ? displaced : null;
  return next;
}

/** Takes a completion out of the ranking. */
export function unplaceFromRanking(order: (number | null)[], completionId: number): (number | null)[] {
  return order.map((id) => (id === completionId ? null : id));
}

export type ScoreSlot = {
  /** `${completionId}:${questionId}:${attribute}`: stable while the task is on screen. */
  key: string;
  completionIndex: number;
  completionId: number;
  questionId: string;
  /** The attribute's name for an attributes question, else ''. */
  attribute: string;
  kind: 'likert' | 'thumbs' | 'attribute';
  min: number;
  max: number;
};

export function scoreSlotKey(completionId: number, questionId: string, attribute = ''): string {
  return `${completionId}:${questionId}:${attribute}`;
}

/** Every scored cell of the per-completion questions, in reading order (see the file's comment). */
export function listScoreSlots(form: RatingForm, completions: CompletionView[]): ScoreSlot[] {
  const slots: ScoreSlot[] = [];
  completions.forEach((completion, completionIndex) => {
    for (const question of form.questions) {
      const base = { completionIndex, completionId: completion.id, questionId: question.id };
      if (question.type === 'likert') slots.push({ ...base, key: scoreSlotKey(completion.id, question.id), attribute: '', kind: 'likert', min: question.min, max: question.max });
      else if (question.type === 'thumbs') slots.push({ ...base, key: scoreSlotKey(completion.id, question.id), attribute: '', kind: 'thumbs', min: 1, max: 2 });
      else if (question.type === 'attributes') {
        for (const attribute of question.attributes) {
          slots.push({ ...base, key: scoreSlotKey(completion.id, question.id, attribute.name), attribute: attribute.name, kind: 'attribute', min: attribute.min, max: attribute.max });
        }
      }
    }
  });
  return slots;
}

export function isSlotAnswered(draft: Draft, slot: ScoreSlot): boolean {
  const d = draft[slot.questionId];
  const key = String(slot.completionId);
  if (d?.type === 'likert') return d.scores[key] !== undefined;
  if (d?.type === 'thumbs') return d.votes[key] !== undefined;
  if (d?.type === 'attributes') return d.scores[key]?.[slot.attribute] !== undefined;
  return false;
}

/** The draft of the slot's question with the number `n` answered there, or null when `n` is out of its range. */
export function answerSlot(draft: Draft, slot: ScoreSlot, n: number): QuestionDraft | null {
  if (n < slot.min || n > slot.max) return null;
  const d = draft[slot.questionId];
  const key = String(slot.completionId);
  if (d?.type === 'likert') return { ...d, scores: { ...d.scores, [key]: n } };
  if (d?.type === 'thumbs') return { ...d, votes: { ...d.votes, [key]: n === 1 ? 'up' : 'down' } };
  if (d?.type === 'attributes') return { ...d, scores: { ...d.scores, [key]: { ...(d.scores[key] ?? {}), [slot.attribute]: n } } };
  return null;
}

/** Where the number keys go after answering slot `index`: the next unanswered slot (wrapping), else the one after it. */
export function nextSlotIndex(slots: ScoreSlot[], draft: Draft, index: number): number {
  for (let step = 1; step < slots.length; step++) {
    const i = (index + step) % slots.length;
    if (!isSlotAnswered(draft, slots[i])) return i;
  }
  return Math.min(index + 1, slots.length - 1);
}

/** Questions answered once per completion (shown inside each completion's card). */
export function isPerCompletion(question: Question): boolean {
  return question.type === 'likert' || question.type === 'thumbs' || question.type === 'attributes';
}

/**
 * Where a number key goes when the form has no per-completion question: a ranking (the number is
 * a place); else a pairwise strength.
 */
export function findNumberTarget(form: RatingForm): Question | null {
  return form.questions.find((q) => q.type === 'ranking') ?? form.questions.find((q) => q.type === 'pairwise' && q.withStrength) ?? null;
}

/** Display label of the completion at a display index: A, B, C, … */
export function completionLabel(index: number): string {
  return String.fromCharCode(65 + index);
}
