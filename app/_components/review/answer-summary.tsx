/** An answer in words, question by question, as the annotator gave it (A is the first response shown). */
import type { Answer, RatingForm } from '@/lib/forms/schema';

type Completion = { id: number; text: string };

function labelOf(completions: Completion[], id: number | string): string {
  const index = completions.findIndex((c) => c.id === Number(id));
  return index >= 0 ? `Response ${String.fromCharCode(65 + index)}` : `#${id}`;
}

function describe(answer: Answer[string], completions: Completion[]): string {
  switch (answer.type) {
    case 'pairwise':
      return answer.choice === 'tie' ? 'Tie' : answer.choice === 'both_bad' ? 'Both bad' : `${answer.choice} is better${answer.strength ? ` (strength ${answer.strength})` : ''}`;
    case 'ranking':
      return answer.order.map((id) => labelOf(completions, id)).join(' > ');
    case 'likert':
      return Object.entries(answer.scores)
        .map(([id, s]) => `${labelOf(completions, id)}: ${s}`)
        .join(', ');
    case 'thumbs':
      return Object.entries(answer.votes)
        .map(([id, v]) => `${labelOf(completions, id)}: ${v === 'up' ? '👍' : '👎'}`)
        .join(', ');
    case 'attributes':
      return Object.entries(answer.scores)
        .map(
          ([id, scores]) =>
            `${labelOf(completions, id)}: ${Object.entries(scores)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ')}`,
        )
        .join('; ');
    case 'critique':
      return answer.text || '(empty)';
    case 'edit':
      return answer.text;
  }
}

export function AnswerSummary({ form, answer, completions, testId }: { form: RatingForm; answer: Answer | null; completions: Completion[]; testId?: string }) {
  if (!answer) return <p className="text-sm text-slate-500">(no answer)</p>;
  return (
    <dl className="space-y-1 text-sm" data-testid={testId}>
      {form.questions
        .filter((q) => answer[q.id])
        .map((q) => (
          <div key={q.id} className="flex gap-2">
            <dt className="shrink-0 font-medium text-slate-700">{q.label}:</dt>
            <dd className="whitespace-pre-wrap text-slate-900">{describe(answer[q.id], completions)}</dd>
          </div>
        ))}
    </dl>
  );
}
