import { describe, expect, it } from 'vitest';
import { generateCorpus, judge } from '@/trainer/domain/arithmetic';
import { extractFinalAnswer } from '@/trainer/generate/prompt-templates';
import { selectShown, type SelectShownOptions } from '@/trainer/generate/pair-selection';
import { mulberry32 } from '@/trainer/model/random';

const SEEDS = Array.from({ length: 200 }, (_, i) => i + 1);

/** selectShown under many seeds, each result sorted (which samples, not their order). */
function selectionsOver(options: Omit<SelectShownOptions, 'rng'>): number[][] {
  return SEEDS.map((seed) => {
    const shown = selectShown({ ...options, rng: mulberry32(seed) });
    expect(new Set(shown).size).toBe(options.count);
    expect(shown.every((i) => Number.isInteger(i) && i >= 0 && i < options.samples.length)).toBe(true);
    return [...shown].sort((a, b) => a - b);
  });
}

const distinctSelections = (selections: number[][]) => new Set(selections.map((s) => s.join(',')));

/** A wrong completion for a corpus example: the same steps, a different final answer. */
const withAnswer = (completion: string, answer: number) => completion.replace(/Answer: -?\d+$/, `Answer: ${answer}`);

describe('selectShown', () => {
  it('rejects a count out of range and scores that do not match', () => {
    const rng = mulberry32(1);
    const samples = ['a', 'b', 'c'];
    expect(() => selectShown({ samples, count: 0, strategy: 'random', rng })).toThrow(RangeError);
    expect(() => selectShown({ samples, count: 4, strategy: 'random', rng })).toThrow(RangeError);
    expect(() => selectShown({ samples, count: 1.5, strategy: 'random', rng })).toThrow(RangeError);
    expect(() => selectShown({ samples, count: 2, strategy: 'disagreement', rng, scores: [1, 2] })).toThrow(RangeError);
    expect(() => selectShown({ samples, count: 2, strategy: 'disagreement', rng, scores: [1, Number.NaN, 2] })).toThrow(RangeError);
  });

  it('is deterministic for a seed', () => {
    const samples = ['Answer: 1', 'Answer: 2', 'Answer: 3', 'Answer: 1 ', 'Answer: 5', 'x'];
    for (const strategy of ['random', 'disagreement'] as const) {
      for (const count of [1, 2, 3, 6]) {
        const first = selectShown({ samples, count, strategy, rng: mulberry32(42) });
        expect(selectShown({ samples, count, strategy, rng: mulberry32(42) })).toEqual(first);
      }
    }
  });

  it('random: covers every pair and both orders', () => {
    const samples = ['w', 'x', 'y', 'z'];
    const selections = selectionsOver({ samples, count: 2, strategy: 'random' });
    expect(distinctSelections(selections).size).toBe(6);
    const firsts = new Set(SEEDS.map((seed) => selectShown({ samples, count: 2, strategy: 'random', rng: mulberry32(seed) })[0]));
    expect(firsts.size).toBe(4);
  });

  it('count equal to the number of samples shows them all', () => {
    const samples = ['a', 'b', 'c'];
    for (const selection of selectionsOver({ samples, count: 3, strategy: 'disagreement' })) expect(selection).toEqual([0, 1, 2]);
  });

  it('drops exact duplicates while enough distinct texts exist, and uses them only to fill', () => {
    const samples = ['Answer: 4', 'Answer: 4', 'Answer: 4', 'Answer: 5'];
    for (const strategy of ['random', 'disagreement'] as const) {
      for (const selection of selectionsOver({ samples, count: 2, strategy })) expect(selection).toEqual([0, 3]);
    }
    // Two distinct texts for three places: both, plus one duplicate.
    for (const selection of selectionsOver({ samples, count: 3, strategy: 'random' })) {
      expect(selection).toContain(0);
      expect(selection).toContain(3);
    }
    // Nothing distinct at all: still two different indices (selectionsOver checks), the first text's among them.
    for (const selection of selectionsOver({ samples: ['same', 'same', 'same'], count: 2, strategy: 'disagreement' })) expect(selection).toContain(0);
  });

  it('disagreement: a pair with different final answers, both answered preferred', () => {
    const samples = [
      '7 + 8 = 15, write 5 carry 1. 4 + 3 + 1 = 8. Answer: 85',
      '7 + 8 = 15, write 5 carry 1. 4 + 3 + 1 = 8. Answer: 85.',
      '7 + 8 = 15, write 5. 4 + 3 = 7. Answer: 75',
      'I am not sure how to carry.',
      '7 + 8 = 15, write 5 carry 1. 4 + 3 + 1 = 8 Answer: 85',
    ];
    const selections = selectionsOver({ samples, count: 2, strategy: 'disagreement' });
    for (const selection of selections) {
      expect(selection).toContain(2);
      expect([0, 1, 4]).toContain(selection.find((i) => i !== 2));
    }
    // Among the qualifying pairs the choice is random, not always the first.
    expect(distinctSelections(selections).size).toBe(3);
  });

  it('disagreement: one answered against one unanswered when every answer agrees', () => {
    const samples = ['Answer: 85', 'so 85', 'I cannot say', 'Answer: 85.'];
    for (const selection of selectionsOver({ samples, count: 2, strategy: 'disagreement' })) expect(selection).toContain(2);
  });

  it('disagreement: the largest score gap when answers agree, scores ignored when they differ', () => {
    const agreeing = ['Answer: 85', 'it is 85', 'Answer: 85.', '85'];
    const scores = [0.1, 0.9, 0.5, -0.3];
    for (const selection of selectionsOver({ samples: agreeing, count: 2, strategy: 'disagreement', scores })) expect(selection).toEqual([1, 3]);

    const disagreeing = ['Answer: 85', 'Answer: 85.', 'Answer: 75', 'Answer: 85 '];
    for (const selection of selectionsOver({ samples: disagreeing, count: 2, strategy: 'disagreement', scores })) expect(selection).toContain(2);
  });

  it('disagreement: random when answers agree and there are no scores', () => {
    const samples = ['Answer: 85', 'it is 85', 'Answer: 85.', '85'];
    expect(distinctSelections(selectionsOver({ samples, count: 2, strategy: 'disagreement', scores: null })).size).toBe(6);
  });

  it('disagreement with more than two: as many different answers as possible', () => {
    const samples = ['Answer: 85', 'so Answer: 85', 'Answer: 75', 'Answer: 85.', 'Answer: 86', 'no idea', 'Answer: 75.'];
    for (const selection of selectionsOver({ samples, count: 3, strategy: 'disagreement' })) {
      expect(new Set(selection.map((i) => extractFinalAnswer(samples[i]))).size).toBe(3);
    }
    for (const selection of selectionsOver({ samples, count: 5, strategy: 'disagreement' })) {
      const answers = new Set(selection.map((i) => extractFinalAnswer(samples[i])));
      for (const answer of ['85', '75', '86']) expect(answers.has(answer)).toBe(true);
    }
  });

  it('on arithmetic samples, disagreement pairs a correct completion with a wrong one', () => {
    const corpus = generateCorpus({ count: 50, seed: 5 });
    corpus.forEach(({ prompt, completion, answer }, n) => {
      // Four samples as the built-in model might give them: right twice, a carry slip, a truncated one
      // (whose final answer falls back to its last number, an intermediate result: it disagrees too).
      const samples = [completion, withAnswer(completion, answer + 10), `${completion} `, completion.replace(/ Answer: -?\d+$/, '')];
      const shown = selectShown({ samples, count: 2, strategy: 'disagreement', rng: mulberry32(n) });
      const [first, second] = shown.map((i) => extractFinalAnswer(samples[i]));
      expect(first).not.toBe(second);

      // Without the truncated one: always a right answer against the slip.
      const answered = samples.slice(0, 3);
      const pair = selectShown({ samples: answered, count: 2, strategy: 'disagreement', rng: mulberry32(n) });
      expect(pair).toContain(1);
      expect(pair.map((i) => judge(prompt, answered[i]).correct).sort()).toEqual([false, true]);
    });
  });

  it('disagreement: the pair includes the most frequent answer when one answer leads', () => {
    const samples = ['first way. Answer: 5', 'second way. Answer: 5', 'slip. Answer: 6', 'other slip. Answer: 7'];
    const seen = new Set<string>();
    for (let seed = 0; seed < 200; seed++) {
      const pair = selectShown({ samples, count: 2, strategy: 'disagreement', rng: mulberry32(seed) });
      expect(pair.some((i) => i === 0 || i === 1)).toBe(true);
      expect(new Set(pair.map((i) => extractFinalAnswer(samples[i]))).size).toBe(2);
      seen.add([...pair].sort().join(','));
    }
    expect(seen.size).toBe(4); // 5 against 6 or 7, from either sample that says 5
  });
});
