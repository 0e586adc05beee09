import { describe, expect, it } from 'vitest';
import { answerOf, generateCorpus, generateProblem, judge, parseProblem, solveStepByStep, splitOf, type ArithmeticProblem } from '@/trainer/domain/arithmetic';
import { mulberry32 } from '@/trainer/model/random';

/** bryc's reference mulberry32, verbatim in behaviour (unmasked accumulator). */
function referenceMulberry32(a: number): () => number {
  return () => {
    let t = (a += 0x6d2b79f5);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('mulberry32', () => {
  it('matches the reference and stays in [0, 1)', () => {
    for (const seed of [0, 1, 42, 0xdeadbeef]) {
      const ours = mulberry32(seed);
      const ref = referenceMulberry32(seed);
      for (let i = 0; i < 1000; i++) {
        const x = ours();
        expect(x).toBe(ref());
        expect(x >= 0 && x < 1).toBe(true);
      }
    }
  });
});

describe('worked solutions', () => {
  it.each<[ArithmeticProblem, string]>([
    [{ op: '+', a: 47, b: 38 }, '7 + 8 = 15, write 5 carry 1. 4 + 3 + 1 = 8. Answer: 85'],
    [{ op: '+', a: 5, b: 7 }, '5 + 7 = 12. Answer: 12'],
    [{ op: '+', a: 999, b: 1 }, '9 + 1 = 10, write 0 carry 1. 9 + 0 + 1 = 10, write 0 carry 1. 9 + 0 + 1 = 10. Answer: 1000'],
    [{ op: '-', a: 52, b: 17 }, '2 - 7 < 0, borrow 1: 12 - 7 = 5, write 5. 5 - 1 - 1 = 3. Answer: 35'],
    [{ op: '-', a: 100, b: 99 }, '0 - 9 < 0, borrow 1: 10 - 9 = 1, write 1. 0 - 9 - 1 < 0, borrow 1: 10 - 9 - 1 = 0, write 0. 1 - 0 - 1 = 0. Answer: 1'],
    [{ op: '*', a: 47, b: 6 }, '7 * 6 = 42, write 2 carry 4. 4 * 6 + 4 = 28. Answer: 282'],
    [{ op: '*', a: 305, b: 3 }, '5 * 3 = 15, write 5 carry 1. 0 * 3 + 1 = 1, write 1. 3 * 3 = 9. Answer: 915'],
  ])('%j', (problem, expected) => {
    expect(solveStepByStep(problem)).toBe(expected);
  });

  it('the written digits of every step spell the answer (checked on 3000 random problems)', () => {
    const rng = mulberry32(7);
    for (let i = 0; i < 3000; i++) {
      const problem = generateProblem(rng);
      const text = solveStepByStep(problem);
      // Reassemble the result from the steps alone: "write d" per column, then the last column's value.
      const steps = text
        .replace(/ Answer: -?\d+$/, '')
        .split(/\.\s*/)
        .filter(Boolean);
      const written = steps.slice(0, -1).map((s) => s.match(/write (\d)/)?.[1] ?? '?');
      const last = steps[steps.length - 1].match(/= (\d+)$/)?.[1] ?? '?';
      const fromSteps = Number((last + written.reverse().join('')).replace(/^0+(?=\d)/, ''));
      expect(fromSteps, text).toBe(answerOf(problem));
    }
  });
});

describe('generateProblem / generateCorpus', () => {
  it('keeps to the domain: 1-3 digit operands, single-digit multipliers, no negative results', () => {
    const rng = mulberry32(3);
    const ops = { '+': 0, '-': 0, '*': 0 };
    for (let i = 0; i < 5000; i++) {
      const p = generateProblem(rng);
      ops[p.op]++;
      expect(p.a).toBeGreaterThanOrEqual(0);
      expect(p.a).toBeLessThanOrEqual(999);
      if (p.op === '*') expect(p.b >= 2 && p.b <= 9).toBe(true);
      else expect(p.b >= 0 && p.b <= 999).toBe(true);
      expect(answerOf(p)).toBeGreaterThanOrEqual(0);
    }
    expect(ops['+']).toBeGreaterThan(1500);
    expect(ops['-']).toBeGreaterThan(1300);
    expect(ops['*']).toBeGreaterThan(900);
  });

  it('is deterministic from the seed, and different seeds differ', () => {
    expect(generateCorpus({ count: 200, seed: 11 })).toEqual(generateCorpus({ count: 200, seed: 11 }));
    expect(generateCorpus({ count: 50, seed: 11 })).not.toEqual(generateCorpus({ count: 50, seed: 12 }));
  });

  it('train and heldout are disjoint, each without duplicates, heldout about 10% of the space', () => {
    const key = (prompt: string) => {
      const p = parseProblem(prompt);
      return p ? `${p.op}:${p.a}:${p.b}` : `unparsed:${prompt}`;
    };
    const train = generateCorpus({ count: 3000, seed: 1, split: 'train' }).map((e) => key(e.prompt));
    const heldout = generateCorpus({ count: 500, seed: 2, split: 'heldout' }).map((e) => key(e.prompt));
    expect(new Set(train).size).toBe(train.length);
    expect(new Set(heldout).size).toBe(heldout.length);
    const trainSet = new Set(train);
    expect(heldout.filter((k) => trainSet.has(k))).toEqual([]);
    const rng = mulberry32(5);
    let held = 0;
    for (let i = 0; i < 10000; i++) if (splitOf(generateProblem(rng)) === 'heldout') held++;
    expect(held / 10000).toBeGreaterThan(0.07);
    expect(held / 10000).toBeLessThan(0.13);
  });

  it('every generated completion is judged correct, and its answer field agrees', () => {
    for (const split of ['train', 'heldout'] as const) {
      for (const example of generateCorpus({ count: 2000, seed: 99, split })) {
        const verdict = judge(example.prompt, example.completion);
        expect(verdict, `${example.prompt} -> ${example.completion}`).toEqual({ correct: true, expected: example.answer, got: example.answer, wellFormed: true, score: 1 });
      }
    }
  });

  it('uses several phrasings per operation', () => {
    const prompts = generateCorpus({ count: 300, seed: 4 }).map((e) => e.prompt);
    expect(prompts.some((p) => p.startsWith('What is') && p.includes(' + '))).toBe(true);
    expect(prompts.some((p) => p.startsWith('Subtract'))).toBe(true);
    expect(prompts.some((p) => p.startsWith('Multiply'))).toBe(true);
    expect(prompts.some((p) => p.endsWith('= ?'))).toBe(true);
  });
});

describe('judge', () => {
  it('parses prompts itself, including word forms and argument order', () => {
    expect(parseProblem('What is 47 + 38?')).toEqual({ op: '+', a: 47, b: 38 });
    expect(parseProblem('Subtract 17 from 52.')).toEqual({ op: '-', a: 52, b: 17 });
    expect(parseProblem('What is 52 − 17?')).toEqual({ op: '-', a: 52, b: 17 });
    expect(parseProblem('Multiply 47 by 6.')).toEqual({ op: '*', a: 47, b: 6 });
    expect(parseProblem('Calculate 47 × 6.')).toEqual({ op: '*', a: 47, b: 6 });
    expect(parseProblem('What is 12 times 3?')).toEqual({ op: '*', a: 12, b: 3 });
    expect(parseProblem('Add 4 and 5.')).toEqual({ op: '+', a: 4, b: 5 });
    expect(parseProblem('Tell me a joke.')).toBeNull();
  });

  it('judges a wrong answer wrong but well formed', () => {
    expect(judge('What is 47 + 38?', '7 + 8 = 15, write 5. 4 + 3 = 7. Answer: 75')).toEqual({ correct: false, expected: 85, got: 75, wellFormed: true, score: 0.2 });
  });

  it('accepts a bare correct answer and a trailing period or newline', () => {
    expect(judge('What is 47 + 38?', 'Answer: 85').correct).toBe(true);
    expect(judge('What is 47 + 38?', '... Answer: 85.\n').score).toBe(1);
  });

  it.each([
    ['empty text', ''],
    ['no answer line', '7 + 8 = 15, write 5 carry 1. 4 + 3 + 1 = 8.'],
    ['an answer with no number', 'Answer: eighty-five'],
    ['text after the answer', 'Answer: 85 and then some more words'],
    ['two answers', 'Answer: 84. Answer: 85'],
    ['binary noise', '\u0000\uFFFD\u0007Answer'],
  ])('scores malformed completions 0: %s', (_label, completion) => {
    const verdict = judge('What is 47 + 38?', completion);
    expect(verdict.correct).toBe(false);
    expect(verdict.wellFormed).toBe(false);
    expect(verdict.score).toBe(0);
    expect(verdict.expected).toBe(85);
  });

  it('reports got even when malformed, and expected null for an unreadable prompt', () => {
    expect(judge('What is 47 + 38?', 'Answer: 84. Answer: 85').got).toBe(85);
    expect(judge('Write a poem.', 'Answer: 5')).toEqual({ correct: false, expected: null, got: 5, wellFormed: true, score: 0 });
  });
});
