import { describe, expect, it } from 'vitest';
import { ZRatingForm, findAnswerProblems } from '@/lib/forms/schema';
import {
  answerSlot,
  createDraft,
  draftFromAnswer,
  draftToAnswer,
  findIncompleteRanking,
  findNumberTarget,
  listScoreSlots,
  nextSlotIndex,
  placeInRanking,
} from '@/app/_components/annotate/answer-draft';

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

  it('a ranking starts unranked, is no answer until every item is placed, and placing swaps or displaces', () => {
    const ranking = ZRatingForm.parse({ questions: [{ id: 'r', type: 'ranking', label: 'Rank' }] });
    const three = [...completions, { id: 13, text: 'third' }];
    const draft = createDraft(ranking, three);
    expect(draft.r).toEqual({ type: 'ranking', order: [null, null, null] });
    expect(draftToAnswer(ranking, draft, three)).toEqual({});
    expect(findIncompleteRanking(ranking, draft)).toMatchObject({ placed: 0, total: 3 });
    // 13 to first, 11 to third, then 11 to first: it swaps with 13.
    let order = placeInRanking([null, null, null], 13, 0);
    order = placeInRanking(order, 11, 2);
    expect(order).toEqual([13, null, 11]);
    expect(placeInRanking(order, 11, 0)).toEqual([11, null, 13]);
    // An unplaced item put on a taken slot displaces its holder.
    expect(placeInRanking(order, 12, 0)).toEqual([12, null, 11]);
    draft.r = { type: 'ranking', order: [12, 13, 11] };
    expect(findIncompleteRanking(ranking, draft)).toBeNull();
    expect(draftToAnswer(ranking, draft, three)).toEqual({ r: { type: 'ranking', order: [12, 13, 11] } });
  });

  it('number keys go through every scored cell, in reading order, to the next unanswered one', () => {
    const scored = ZRatingForm.parse({
      questions: [
        { id: 'q', type: 'likert', label: 'Q', min: 1, max: 5 },
        {
          id: 'attrs',
          type: 'attributes',
          label: 'Attributes',
          attributes: [
            { name: 'honest', label: 'Honest', min: 1, max: 3 },
            { name: 'brief', label: 'Brief', min: 1, max: 3 },
          ],
        },
      ],
    });
    const one = [completions[0]];
    const slots = listScoreSlots(scored, one);
    expect(slots.map((s) => `${s.questionId}/${s.attribute}`)).toEqual(['q/', 'attrs/honest', 'attrs/brief']);
    let draft = createDraft(scored, one);
    const answer = (index: number, n: number) => {
      const next = answerSlot(draft, slots[index], n);
      if (next) draft = { ...draft, [slots[index].questionId]: next };
      return next;
    };
    expect(answer(1, 4)).toBeNull(); // out of the attribute's 1-3
    answer(1, 3);
    expect(nextSlotIndex(slots, draft, 1)).toBe(2);
    answer(2, 1);
    expect(nextSlotIndex(slots, draft, 2)).toBe(0); // wraps to the one left
    answer(0, 5);
    expect(draftToAnswer(scored, draft, one)).toEqual({ q: { type: 'likert', scores: { 11: 5 } }, attrs: { type: 'attributes', scores: { 11: { honest: 3, brief: 1 } } } });
    expect(findNumberTarget(form)?.id).toBe('preference');
  });
});
