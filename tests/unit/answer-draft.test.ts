import { describe, expect, it } from 'vitest';
import { ZRatingForm, findAnswerProblems } from '@/lib/forms/schema';
import { createDraft, draftFromAnswer, draftToAnswer, findNumberTarget, moveInOrder } from '@/app/_components/annotate/answer-draft';

const completions = [
  { id: 11, text: 'first' },
  { id: 12, text: 'second' },
];
const form = ZRatingForm.parse({
  questions: [
    { id: 'preference', type: 'pairwise', label: 'Better?', withStrength: true },
    { id: 'critique', type: 'critique', label: 'Critique' },
    { id: 'ideal', type: 'edit', label: 'Ideal answer' },
  ],
});

describe('answer drafts', () => {
  it('leaves out optional questions left empty, and an edit identical to its base', () => {
    const draft = createDraft(form, completions);
    draft.preference = { type: 'pairwise', choice: 'B', strength: 2 };
    expect(draftToAnswer(form, draft, completions)).toEqual({ preference: { type: 'pairwise', choice: 'B', strength: 2 } });
  });

  it('a required question without an answer is reported by the shared checker', () => {
    const answer = draftToAnswer(form, createDraft(form, completions), completions);
    expect(findAnswerProblems(form, [11, 12], answer)).toEqual([{ questionId: 'preference', message: 'an answer is required' }]);
  });

  it('keeps an edited ideal answer with the completion it started from', () => {
    const draft = createDraft(form, completions);
    draft.preference = { type: 'pairwise', choice: 'tie', strength: 3 };
    draft.ideal = { type: 'edit', baseCompletionId: 12, text: 'second, improved', isEdited: true };
    const answer = draftToAnswer(form, draft, completions);
    // A strength only goes with a preference for A or B.
    expect(answer.preference).toEqual({ type: 'pairwise', choice: 'tie' });
    expect(answer.ideal).toEqual({ type: 'edit', text: 'second, improved', baseCompletionId: 12 });
  });

  it('rebuilds a draft from a submitted answer (undo prefill)', () => {
    const answer = { preference: { type: 'pairwise' as const, choice: 'A' as const, strength: 1 }, critique: { type: 'critique' as const, text: 'too long' } };
    const draft = draftFromAnswer(form, answer, completions);
    expect(draftToAnswer(form, draft, completions)).toEqual(answer);
  });

  it('moves ranking items and picks where number keys go', () => {
    expect(moveInOrder([1, 2, 3], 3, 0)).toEqual([3, 1, 2]);
    expect(moveInOrder([1, 2, 3], 1, 9)).toEqual([2, 3, 1]);
    expect(findNumberTarget(form)?.id).toBe('preference');
    const likert = ZRatingForm.parse({
      questions: [
        { id: 'r', type: 'ranking', label: 'Rank' },
        { id: 'q', type: 'likert', label: 'Q' },
      ],
    });
    expect(findNumberTarget(likert)?.id).toBe('q');
  });
});
