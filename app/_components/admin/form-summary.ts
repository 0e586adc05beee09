/** Short descriptions of rating forms for admin tables (answers: answer-words.ts). */
import { ZRatingForm } from '@/lib/forms/schema';

/** "Pairwise" for a one-question form, "Likert + critique" for a combined one. */
export function describeForm(form: unknown): string {
  const parsed = ZRatingForm.safeParse(form);
  if (!parsed.success) return 'Invalid form';
  const types = parsed.data.questions.map((q) => q.type);
  const text = [...new Set(types)].join(' + ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}
