/** Short descriptions of rating forms and answers for admin tables. */
import { ZAnswer, ZRatingForm, type QuestionAnswer } from '@/lib/forms/schema';

/** "Pairwise" for a one-question form, "Likert + critique" for a combined one. */
export function describeForm(form: unknown): string {
  const parsed = ZRatingForm.safeParse(form);
  if (!parsed.success) return 'Invalid form';
  const types = parsed.data.questions.map((q) => q.type);
  const text = [...new Set(types)].join(' + ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function truncate(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A completion as shown to the annotator: its display letter and id, "B#13". */
function nameCompletion(id: number | string, completionIds: number[]): string {
  const index = completionIds.indexOf(Number(id));
  return index >= 0 && index < 26 ? `${String.fromCharCode(65 + index)}#${id}` : `#${id}`;
}

/** One question's answer in a few words; completions by display letter and id (A#12). */
export function summariseQuestionAnswer(answer: QuestionAnswer, completionIds: number[] = []): string {
  const name = (id: number | string) => nameCompletion(id, completionIds);
  switch (answer.type) {
    case 'likert':
      return Object.entries(answer.scores)
        .map(([id, score]) => `${name(id)} → ${score}`)
        .join(', ');
    case 'pairwise': {
      const chosen = answer.choice === 'A' ? completionIds[0] : answer.choice === 'B' ? completionIds[1] : undefined;
      const choice = answer.choice === 'both_bad' ? 'both bad' : answer.choice;
      return `${choice}${chosen !== undefined ? ` (#${chosen})` : ''}${answer.strength ? `, strength ${answer.strength}` : ''}`;
    }
    case 'ranking':
      return answer.order.map(name).join(' > ');
    case 'thumbs':
      return Object.entries(answer.votes)
        .map(([id, vote]) => `${name(id)} ${vote === 'up' ? '👍' : '👎'}`)
        .join(', ');
    case 'attributes':
      return Object.entries(answer.scores)
        .map(
          ([id, scores]) =>
            `${name(id)}: ${Object.entries(scores)
              .map(([attribute, score]) => `${attribute} ${score}`)
              .join(', ')}`,
        )
        .join('; ');
    case 'critique':
      return `“${truncate(answer.text)}”`;
    case 'edit':
      return `edited ${name(answer.baseCompletionId)}: “${truncate(answer.text, 60)}”`;
  }
}

/** Every answered question as [question id, summary]; unparseable answers as raw JSON. */
export function summariseAnswer(answer: unknown, completionIds: number[] = []): [string, string][] {
  if (answer === null || answer === undefined) return [];
  const parsed = ZAnswer.safeParse(answer);
  if (!parsed.success) return [['raw', truncate(JSON.stringify(answer), 120)]];
  return Object.entries(parsed.data).map(([id, a]) => [id, summariseQuestionAnswer(a, completionIds)]);
}
