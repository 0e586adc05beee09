/** Answers in words for the admin: letters as the annotator saw them, quotes of the response text. */
import { describe, expect, it } from 'vitest';
import { describeAnswer } from '@/app/_components/admin/answer-words';
import type { Question } from '@/lib/forms/schema';

// Shown in this order: id 20 was on the left (A), id 10 on the right (B).
const shown = [
  { id: 20, text: 'Paris is the capital of France.' },
  { id: 10, text: 'Lyon,\n  I think.' },
];

describe('describeAnswer', () => {
  it('pairwise: the chosen letter, its strength in words, and the chosen text', () => {
    expect(describeAnswer({ preference: { type: 'pairwise', choice: 'B', strength: 2 } }, shown)).toEqual([
      { questionId: 'preference', label: 'preference', lines: ['B better (clearly): “Lyon, I think.”'] },
    ]);
    expect(describeAnswer({ p: { type: 'pairwise', choice: 'tie' } }, shown)[0].lines).toEqual(['Tie']);
    expect(describeAnswer({ p: { type: 'pairwise', choice: 'both_bad' } }, shown)[0].lines).toEqual(['Both bad']);
  });

  it('likert: scores out of the scale with their labels, in display order, under the question label', () => {
    const question: Question = { id: 'quality', type: 'likert', label: 'How good?', required: true, min: 1, max: 5, labels: { '5': 'Excellent' } };
    expect(describeAnswer({ quality: { type: 'likert', scores: { '10': 2, '20': 5 } } }, shown, [question])).toEqual([
      { questionId: 'quality', label: 'How good?', lines: ['A: 5/5 Excellent', 'B: 2/5'] },
    ]);
  });

  it('ranking: the order with each response quoted, cut to the quote length', () => {
    expect(describeAnswer({ rank: { type: 'ranking', order: [10, 20] } }, shown, [], 12)[0].lines).toEqual(['1. B “Lyon, I thi…”', '2. A “Paris is th…”']);
  });

  it('thumbs, critique and edit; an id no longer shown is named by its id; an unreadable answer as JSON', () => {
    expect(describeAnswer({ ok: { type: 'thumbs', votes: { '10': 'down', '20': 'up' } } }, shown)[0].lines).toEqual(['A: thumbs up', 'B: thumbs down']);
    expect(describeAnswer({ why: { type: 'critique', text: 'Too   short' } }, shown)[0].lines).toEqual(['“Too short”']);
    expect(describeAnswer({ fix: { type: 'edit', text: 'Paris.', baseCompletionId: 10 } }, shown)[0].lines).toEqual(['Rewrote B as “Paris.”']);
    expect(describeAnswer({ rank: { type: 'ranking', order: [99, 20] } }, shown)[0].lines[0]).toBe('1. response #99');
    expect(describeAnswer({ odd: 42 }, shown)).toEqual([{ questionId: 'raw', label: 'Answer', lines: ['{"odd":42}'] }]);
    expect(describeAnswer(null, shown)).toEqual([]);
  });
});
