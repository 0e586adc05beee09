/**
 * Pure zod, no server imports: the rating page imports it too, so the browser checks an answer
 * exactly as the server will.
 *
 * The rating form a project shows, and the answers it accepts.
 *
 * A form is a list of questions; an answer maps each question id to that question's answer.
 * Completions are referred to by id (not by screen position), and the task keeps the order they
 * were shown in, so position bias stays measurable.
 */
import { z } from 'zod';
import { ZSafeText } from '../validation';

const ZQuestionId = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'An id uses lowercase letters, digits and _ (at most 40), starting with a letter');
const ZBase = { id: ZQuestionId, label: ZSafeText(200, 'A question label has at most 200 characters').min(1, 'Give every question a label'), required: z.boolean().default(true) };

export const ZLikertQuestion = z.object({
  ...ZBase,
  type: z.literal('likert'),
  min: z.number().int().min(0).max(9).default(1),
  max: z.number().int().min(1).max(9).default(5),
  /** Optional label per score, e.g. {"1": "Useless", "5": "Perfect"}. */
  labels: z.record(ZSafeText(10), ZSafeText(60)).default({}),
});
export const ZPairwiseQuestion = z.object({
  ...ZBase,
  type: z.literal('pairwise'),
  allowTie: z.boolean().default(true),
  allowBothBad: z.boolean().default(true),
  /** Ask how strong the preference is (1 slight, 2 clear, 3 strong). */
  withStrength: z.boolean().default(false),
});
export const ZRankingQuestion = z.object({ ...ZBase, type: z.literal('ranking') });
export const ZThumbsQuestion = z.object({ ...ZBase, type: z.literal('thumbs') });
export const ZAttributesQuestion = z.object({
  ...ZBase,
  type: z.literal('attributes'),
  attributes: z
    .array(
      z.object({
        name: ZQuestionId,
        label: ZSafeText(60, 'An attribute label has at most 60 characters').min(1, 'Give every attribute a label'),
        min: z.number().int().min(0).max(9).default(1),
        max: z.number().int().min(1).max(9).default(5),
      }),
    )
    .min(1, 'Give the question at least one attribute')
    .max(10, 'A question has at most 10 attributes'),
});
export const ZCritiqueQuestion = z.object({ ...ZBase, type: z.literal('critique'), required: z.boolean().default(false) });
export const ZEditQuestion = z.object({ ...ZBase, type: z.literal('edit'), required: z.boolean().default(false) });

export const ZQuestion = z.discriminatedUnion('type', [ZLikertQuestion, ZPairwiseQuestion, ZRankingQuestion, ZThumbsQuestion, ZAttributesQuestion, ZCritiqueQuestion, ZEditQuestion]);
export type Question = z.infer<typeof ZQuestion>;
export type QuestionType = Question['type'];

export const ZRatingForm = z.object({ questions: z.array(ZQuestion).min(1, 'Add at least one question').max(12, 'A form has at most 12 questions') }).superRefine((form, ctx) => {
  const ids = new Set<string>();
  form.questions.forEach((q, i) => {
    if (ids.has(q.id)) ctx.addIssue({ code: 'custom', path: ['questions', i, 'id'], message: `Two questions share the id "${q.id}": give each its own` });
    ids.add(q.id);
    if ((q.type === 'likert' || q.type === 'attributes') && 'min' in q && q.min >= q.max) {
      ctx.addIssue({ code: 'custom', path: ['questions', i], message: 'The lowest score must be below the highest' });
    }
  });
});
export type RatingForm = z.infer<typeof ZRatingForm>;
export type RatingFormInput = z.input<typeof ZRatingForm>;

/** How many completions a form needs per task: pairwise exactly 2, ranking at least 2. */
export function checkCompletionsPerTask(form: RatingForm, completionsPerTask: number): string | null {
  const types = new Set(form.questions.map((q) => q.type));
  if (types.has('pairwise') && completionsPerTask !== 2) return 'A pairwise question needs exactly 2 completions per task';
  if (types.has('ranking') && completionsPerTask < 2) return 'A ranking question needs at least 2 completions per task';
  if (completionsPerTask < 1 || completionsPerTask > 9) return 'Completions per task must be between 1 and 9';
  return null;
}

// ───────────── answers ─────────────

const ZCompletionKey = z.string().regex(/^\d+$/, 'a completion id');

export const ZLikertAnswer = z.object({ type: z.literal('likert'), scores: z.record(ZCompletionKey, z.number().int()) });
export const ZPairwiseAnswer = z.object({
  type: z.literal('pairwise'),
  choice: z.enum(['A', 'B', 'tie', 'both_bad']),
  strength: z.number().int().min(1).max(3).optional(),
});
export const ZRankingAnswer = z.object({ type: z.literal('ranking'), order: z.array(z.number().int()).min(2) });
export const ZThumbsAnswer = z.object({ type: z.literal('thumbs'), votes: z.record(ZCompletionKey, z.enum(['up', 'down'])) });
export const ZAttributesAnswer = z.object({ type: z.literal('attributes'), scores: z.record(ZCompletionKey, z.record(ZQuestionId, z.number().int())) });
export const ZCritiqueAnswer = z.object({ type: z.literal('critique'), text: ZSafeText(20_000) });
export const ZEditAnswer = z.object({ type: z.literal('edit'), text: ZSafeText(50_000).min(1), baseCompletionId: z.number().int() });

export const ZQuestionAnswer = z.discriminatedUnion('type', [ZLikertAnswer, ZPairwiseAnswer, ZRankingAnswer, ZThumbsAnswer, ZAttributesAnswer, ZCritiqueAnswer, ZEditAnswer]);
export type QuestionAnswer = z.infer<typeof ZQuestionAnswer>;

export const ZAnswer = z.record(ZQuestionId, ZQuestionAnswer);
export type Answer = z.infer<typeof ZAnswer>;

/** One thing wrong with an answer: the question it concerns (as keyed in the answer) and what is wrong, in words. */
export type AnswerProblem = { questionId: string; message: string };

/**
 * Checks an answer against the form and the task's completions. Returns the problems found
 * (empty when the answer is valid), each tied to its question so a client can show it there
 * without parsing the text. In a pairwise answer, A is the first completion shown.
 */
export function findAnswerProblems(form: RatingForm, completionIds: number[], answer: Answer): AnswerProblem[] {
  const problems: AnswerProblem[] = [];
  const add = (questionId: string, message: string) => problems.push({ questionId, message });
  const shown = new Set(completionIds);
  const keysAreShown = (record: Record<string, unknown>, id: string) => {
    const keys = Object.keys(record).map(Number);
    if (keys.some((k) => !shown.has(k))) add(id, 'refers to a completion not in this task');
    return keys;
  };
  for (const key of Object.keys(answer)) {
    if (!form.questions.some((q) => q.id === key)) add(key, 'no such question in this form');
  }
  for (const q of form.questions) {
    const a = answer[q.id];
    if (!a) {
      if (q.required) add(q.id, 'an answer is required');
      continue;
    }
    if (a.type !== q.type) {
      add(q.id, `expected a ${q.type} answer, got ${a.type}`);
      continue;
    }
    if (q.type === 'likert' && a.type === 'likert') {
      const keys = keysAreShown(a.scores, q.id);
      if (q.required && keys.length !== completionIds.length) add(q.id, 'score every completion');
      if (Object.values(a.scores).some((s) => s < q.min || s > q.max)) add(q.id, `scores must be between ${q.min} and ${q.max}`);
    } else if (q.type === 'pairwise' && a.type === 'pairwise') {
      if (a.choice === 'tie' && !q.allowTie) add(q.id, 'ties are not allowed');
      if (a.choice === 'both_bad' && !q.allowBothBad) add(q.id, '"both bad" is not allowed');
    } else if (q.type === 'ranking' && a.type === 'ranking') {
      const sorted = [...a.order].sort((x, y) => x - y).join(',');
      if (sorted !== [...completionIds].sort((x, y) => x - y).join(',')) add(q.id, 'rank every completion of the task exactly once');
    } else if (q.type === 'thumbs' && a.type === 'thumbs') {
      const keys = keysAreShown(a.votes, q.id);
      if (q.required && keys.length !== completionIds.length) add(q.id, 'vote on every completion');
    } else if (q.type === 'attributes' && a.type === 'attributes') {
      keysAreShown(a.scores, q.id);
      for (const perCompletion of Object.values(a.scores)) {
        for (const [name, score] of Object.entries(perCompletion)) {
          const attribute = q.attributes.find((x) => x.name === name);
          if (!attribute) add(q.id, `no attribute "${name}"`);
          else if (score < attribute.min || score > attribute.max) add(q.id, `${name} must be between ${attribute.min} and ${attribute.max}`);
        }
      }
      if (q.required && Object.keys(a.scores).length !== completionIds.length) add(q.id, 'score every completion');
    } else if (q.type === 'critique' && a.type === 'critique') {
      if (q.required && !a.text.trim()) add(q.id, 'write a critique');
    } else if (q.type === 'edit' && a.type === 'edit') {
      if (!shown.has(a.baseCompletionId)) add(q.id, 'the edited completion is not in this task');
    }
  }
  return problems;
}

/** Ready-made forms for the common cases (used by the admin UI and the seed). */
export const FORM_PRESETS: Record<'pairwise' | 'likert' | 'ranking' | 'thumbs', RatingFormInput> = {
  pairwise: { questions: [{ id: 'preference', type: 'pairwise', label: 'Which response is better?', withStrength: false }] },
  likert: { questions: [{ id: 'quality', type: 'likert', label: 'How good is this response?', min: 1, max: 5, labels: { '1': 'Very bad', '5': 'Excellent' } }] },
  ranking: { questions: [{ id: 'ranking', type: 'ranking', label: 'Rank the responses from best to worst' }] },
  thumbs: { questions: [{ id: 'thumbs', type: 'thumbs', label: 'Is this response acceptable?' }] },
};
