/**
 * An annotator's answer in words, as an admin reads it: "B better (clearly)", "A: 4/5 Excellent",
 * a ranking as its order with each response's text. Responses are named by the letter they had on
 * the annotator's screen (the task's display order: A was shown first), with a quote of their text.
 */
import { ZAnswer, type Question, type QuestionAnswer } from '@/lib/forms/schema';

export type ShownCompletion = { id: number; text: string };
/** One question's answer: the question's label (or id), and one or more lines of words. */
export type AnswerWords = { questionId: string; label: string; lines: string[] };

const STRENGTH_WORDS: Record<number, string> = { 1: 'slightly', 2: 'clearly', 3: 'strongly' };

export function letterOf(index: number): string {
  return index >= 0 && index < 26 ? String.fromCharCode(65 + index) : `#${index + 1}`;
}

export function quote(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return `“${flat.length > max ? `${flat.slice(0, max - 1).trimEnd()}…` : flat}”`;
}

/** "B" for a completion shown second, or "a response no longer in the task" for an unknown id. */
function nameOf(id: number | string, completions: ShownCompletion[]): { letter: string; text: string | null } {
  const index = completions.findIndex((c) => c.id === Number(id));
  return index < 0 ? { letter: `response #${id}`, text: null } : { letter: letterOf(index), text: completions[index].text };
}

/** Completion-keyed records in display order (the answer's keys are ids, in no useful order). */
function inDisplayOrder<T>(record: Record<string, T>, completions: ShownCompletion[]): [string, T][] {
  const position = (id: string) => {
    const index = completions.findIndex((c) => c.id === Number(id));
    return index < 0 ? Number.MAX_SAFE_INTEGER : index;
  };
  return Object.entries(record).sort(([a], [b]) => position(a) - position(b));
}

function scale(score: number, max: number | undefined, label: string | undefined): string {
  return `${score}${max !== undefined ? `/${max}` : ''}${label ? ` ${label}` : ''}`;
}

export function describeQuestionAnswer(answer: QuestionAnswer, completions: ShownCompletion[], question?: Question, quoteLength = 80): string[] {
  const name = (id: number | string) => nameOf(id, completions);
  const withText = (id: number | string) => {
    const { letter, text } = name(id);
    return text === null ? letter : `${letter} ${quote(text, quoteLength)}`;
  };
  switch (answer.type) {
    case 'pairwise': {
      const strength = answer.strength ? ` (${STRENGTH_WORDS[answer.strength] ?? `strength ${answer.strength}`})` : '';
      if (answer.choice === 'tie') return [`Tie${strength}`];
      if (answer.choice === 'both_bad') return ['Both bad'];
      const index = answer.choice === 'A' ? 0 : 1;
      const chosen = completions[index];
      return [`${answer.choice} better${strength}${chosen ? `: ${quote(chosen.text, quoteLength)}` : ''}`];
    }
    case 'likert': {
      const likert = question?.type === 'likert' ? question : undefined;
      return inDisplayOrder(answer.scores, completions).map(([id, score]) => `${name(id).letter}: ${scale(score, likert?.max, likert?.labels[String(score)])}`);
    }
    case 'ranking':
      return answer.order.map((id, rank) => `${rank + 1}. ${withText(id)}`);
    case 'thumbs':
      return inDisplayOrder(answer.votes, completions).map(([id, vote]) => `${name(id).letter}: thumbs ${vote}`);
    case 'attributes': {
      const attributes = question?.type === 'attributes' ? question.attributes : [];
      return inDisplayOrder(answer.scores, completions).map(
        ([id, scores]) =>
          `${name(id).letter}: ${Object.entries(scores)
            .map(([key, score]) => {
              const attribute = attributes.find((a) => a.name === key);
              return `${attribute?.label ?? key} ${scale(score, attribute?.max, undefined)}`;
            })
            .join(', ')}`,
      );
    }
    case 'critique':
      return answer.text.trim() ? [quote(answer.text, quoteLength * 3)] : ['(no critique)'];
    case 'edit':
      return [`Rewrote ${name(answer.baseCompletionId).letter} as ${quote(answer.text, quoteLength * 2)}`];
  }
}

/** Every answered question in the form's order (unknown ones after), each in words; an unreadable answer as its JSON. */
export function describeAnswer(answer: unknown, completions: ShownCompletion[], questions: Question[] = [], quoteLength = 80): AnswerWords[] {
  if (answer === null || answer === undefined) return [];
  const parsed = ZAnswer.safeParse(answer);
  if (!parsed.success) return [{ questionId: 'raw', label: 'Answer', lines: [JSON.stringify(answer).slice(0, 200)] }];
  const order = (id: string) => {
    const index = questions.findIndex((q) => q.id === id);
    return index < 0 ? questions.length : index;
  };
  return Object.entries(parsed.data)
    .sort(([a], [b]) => order(a) - order(b))
    .map(([id, value]) => {
      const question = questions.find((q) => q.id === id);
      return { questionId: id, label: question?.label ?? id, lines: describeQuestionAnswer(value, completions, question, quoteLength) };
    });
}
