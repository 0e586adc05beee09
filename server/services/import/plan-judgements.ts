/**
 * Whether a project's form can hold the judgements a file carries, and the answer each judged task
 * gets. Pure: preview and commit ask the same question.
 *
 * - An `order` (chosen beats rejected, OASST ranks) answers a pairwise question (two completions:
 *   A or B, whichever of the task's display order shows the chosen one first) or a ranking question
 *   (the order itself). The prompt's completions must all be in one task.
 * - `labels` (KTO, SFT, a CSV label column) answer a thumbs question, a vote per completion.
 * A required question that no judgement answers makes the whole form unable to hold them.
 */
import { findAnswerProblems, type Answer, type RatingForm } from '../../../lib/forms/schema';
import { findImportAnnotator, type ImportAnnotator, type ImportFormat, type ImportJudgement, type ParsedPrompt } from './types';

export type JudgementPlan = {
  /** Who the judgements are recorded under; null when the file carries none. */
  annotator: ImportAnnotator | null;
  /** Tasks that would receive an imported answer. */
  count: number;
  /** Why this project's form cannot hold them, in words; null when it can. */
  problem: string | null;
};

const DESCRIPTIONS: Record<ImportJudgement['type'], string> = {
  order: 'preferences (which completion is better)',
  labels: 'labels (good or bad per completion)',
};

function answers(question: RatingForm['questions'][number], type: ImportJudgement['type'], size: number): boolean {
  if (type === 'order') return question.type === 'ranking' || (question.type === 'pairwise' && size === 2);
  return question.type === 'thumbs';
}

export function planJudgements(options: { form: RatingForm; format: ImportFormat; prompts: ParsedPrompt[]; completionsPerTask: number; isWholePromptTask: boolean }): JudgementPlan {
  const judged = options.prompts.filter((prompt) => prompt.judgement);
  const annotator = judged.length > 0 ? findImportAnnotator(options.format) : null;
  if (!annotator) return { annotator: null, count: 0, problem: null };
  const taskCount = (prompt: ParsedPrompt) => (options.isWholePromptTask ? 1 : prompt.completions.length / options.completionsPerTask);
  const count = judged.reduce((sum, prompt) => sum + taskCount(prompt), 0);
  const asks = options.form.questions.map((q) => q.type).join(', ');

  for (const prompt of judged) {
    const judgement = prompt.judgement as ImportJudgement;
    const size = options.isWholePromptTask ? prompt.completions.length : options.completionsPerTask;
    if (judgement.type === 'order' && size !== prompt.completions.length) {
      return {
        annotator,
        count,
        problem: `A preference needs all of a prompt's ${prompt.completions.length} completions in one task, but this project shows ${options.completionsPerTask} per task, so the file's judgements cannot be imported.`,
      };
    }
    if (!options.form.questions.some((q) => answers(q, judgement.type, size))) {
      const needs = judgement.type === 'labels' ? 'a thumbs question' : size === 2 ? 'a pairwise or ranking question' : `a ranking question (a group of ${size} completions)`;
      return {
        annotator,
        count,
        problem: `This project's form (${asks}) cannot hold the file's ${DESCRIPTIONS[judgement.type]}: that needs ${needs}. Import without judgements, or use a project whose form has one.`,
      };
    }
    const unanswerable = options.form.questions.find((q) => q.required && !answers(q, judgement.type, size));
    if (unanswerable) {
      return {
        annotator,
        count,
        problem: `The form's required question "${unanswerable.id}" (${unanswerable.type}) cannot be answered from the file's ${DESCRIPTIONS[judgement.type]}, so they cannot be imported as answers.`,
      };
    }
  }
  return { annotator, count, problem: null };
}

/**
 * The answer an imported judgement gives one task. `shown` is the task's completion ids in display
 * order; `idOf` maps the prompt's completion index to its id. Null when the task gets no answer.
 */
export function buildImportedAnswer(options: { form: RatingForm; judgement: ImportJudgement; shown: number[]; idOf: (index: number) => number }): Answer | null {
  const { form, judgement, shown, idOf } = options;
  const answer: Answer = {};
  for (const question of form.questions) {
    if (!answers(question, judgement.type, shown.length)) continue;
    if (judgement.type === 'order' && question.type === 'pairwise') {
      answer[question.id] = { type: 'pairwise', choice: shown[0] === idOf(judgement.order[0]) ? 'A' : 'B' };
    } else if (judgement.type === 'order' && question.type === 'ranking') {
      answer[question.id] = { type: 'ranking', order: judgement.order.map(idOf) };
    } else if (judgement.type === 'labels' && question.type === 'thumbs') {
      const votes: Record<string, 'up' | 'down'> = {};
      judgement.labels.forEach((label, index) => {
        const id = idOf(index);
        if (shown.includes(id)) votes[String(id)] = label;
      });
      answer[question.id] = { type: 'thumbs', votes };
    }
  }
  if (Object.keys(answer).length === 0) return null;
  // The same check a submitted answer passes: an imported answer is never one the form would refuse.
  const problems = findAnswerProblems(form, shown, answer);
  if (problems.length > 0) throw new Error(`Imported answer does not fit the form: ${problems[0]}`);
  return answer;
}
