import { describe, expect, it } from 'vitest';
import { PROMPT_TEMPLATES } from '@/server/jobs/contracts';
import { generateCorpus, judge } from '@/trainer/domain/arithmetic';
import { encodePrompt, type ChatMessage } from '@/trainer/model/chat-template';
import { createTokenizer } from '@/trainer/model/tokenizer';
import { extractFinalAnswer, majorityIndex, normalizeAnswer, renderPrompt, TEMPLATE_INSTRUCTIONS } from '@/trainer/generate/prompt-templates';

describe('renderPrompt', () => {
  it('plain returns the prompt as is, so the built-in model sees exactly its training format', () => {
    const tok = createTokenizer('byte');
    for (const { prompt } of generateCorpus({ count: 20, seed: 3 })) {
      const messages = renderPrompt('plain', prompt);
      expect(messages).toEqual([{ role: 'user', content: prompt }]);
      expect(encodePrompt(tok, messages)).toEqual(encodePrompt(tok, prompt));
    }
  });

  it('self_consistency is worded like plain', () => {
    const conversation: ChatMessage[] = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'What is 47 + 38?' },
    ];
    expect(renderPrompt('self_consistency', conversation)).toEqual(renderPrompt('plain', conversation));
  });

  it('chain_of_thought appends "think step by step" to the last user message', () => {
    const conversation: ChatMessage[] = [
      { role: 'system', content: 'You are a careful tutor.' },
      { role: 'user', content: 'What is 2 + 2?' },
      { role: 'assistant', content: 'Answer: 4' },
      { role: 'user', content: 'And 47 + 38?  ' },
    ];
    const rendered = renderPrompt('chain_of_thought', conversation);

    expect(rendered.slice(0, 3)).toEqual(conversation.slice(0, 3));
    expect(rendered[3]).toEqual({ role: 'user', content: `And 47 + 38?\n\n${TEMPLATE_INSTRUCTIONS.chain_of_thought}` });
    expect(rendered[3].content).toMatch(/Think step by step/);
    // The caller's prompt is not mutated.
    expect(conversation[3].content).toBe('And 47 + 38?  ');
  });

  it('least_to_most asks for sub-problems solved in order', () => {
    const [message] = renderPrompt('least_to_most', 'What is 47 * 6?');
    expect(message.role).toBe('user');
    expect(message.content.startsWith('What is 47 * 6?\n\n')).toBe(true);
    expect(message.content).toMatch(/simpler sub-problems/);
    expect(message.content).toMatch(/one at a time, in order/);
  });

  it('adds a user turn when the conversation has none, and rejects an empty one', () => {
    const rendered = renderPrompt('chain_of_thought', [{ role: 'system', content: 'Solve 3 + 4.' }]);
    expect(rendered).toEqual([
      { role: 'system', content: 'Solve 3 + 4.' },
      { role: 'user', content: TEMPLATE_INSTRUCTIONS.chain_of_thought },
    ]);
    expect(() => renderPrompt('plain', [])).toThrow(RangeError);
  });

  it('every template gives the prompt text back inside its messages', () => {
    for (const template of PROMPT_TEMPLATES) {
      const rendered = renderPrompt(template, 'Subtract 17 from 52.');
      expect(rendered.at(-1)?.content.startsWith('Subtract 17 from 52.')).toBe(true);
    }
  });
});

describe('extractFinalAnswer', () => {
  it('reads the same answer as the judge on every completion of the arithmetic corpus', () => {
    for (const { prompt, completion, answer } of generateCorpus({ count: 300, seed: 11 })) {
      expect(extractFinalAnswer(completion)).toBe(String(answer));
      expect(Number(extractFinalAnswer(completion))).toBe(judge(prompt, completion).got);
    }
  });

  it.each([
    ['7 + 8 = 15, write 5 carry 1. 4 + 3 + 1 = 8. Answer: 85', '85'],
    ['2 - 7 < 0, borrow 1: 12 - 7 = 5, write 5. 5 - 1 - 1 = 3. Answer: 35.', '35'],
    ['Answer: 12 then Answer: 13', '13'],
    ['Answer: 85. 4 + 3 = 7', '85'],
    ['The capital is Paris.\n**Answer:** Paris.', 'Paris'],
    ['**Answer**: 42', '42'],
    ['Final answer: 1,250', '1,250'],
    ['answer:\n  -7\nbecause', '-7'],
    ['Answer: 3.5.', '3.5'],
  ])('reads the value after the last "Answer:" in %j', (text, expected) => {
    expect(extractFinalAnswer(text)).toBe(expected);
  });

  it.each([
    ['7 + 8 = 15, write 5 carry 1. 4 + 3 + 1 = 8.', '8'],
    ['so x = -5', '-5'],
    ['2 - 7', '7'],
    ['5-3', '3'],
    ['The total is 1,250 apples.', '1,250'],
    ['pi is about 3.14.', '3.14'],
    ['Answer:', null],
    ['Answer: ', null],
    ['no digits here', null],
    ['', null],
  ])('falls back to the last number in %j', (text, expected) => {
    expect(extractFinalAnswer(text)).toBe(expected);
  });
});

describe('normalizeAnswer', () => {
  it('compares numbers by value and text without case or extra spaces', () => {
    expect(normalizeAnswer('1,000')).toBe('1000');
    expect(normalizeAnswer('1000.0')).toBe('1000');
    expect(normalizeAnswer('085')).toBe('85');
    expect(normalizeAnswer('-7')).toBe('-7');
    expect(normalizeAnswer('  New   York ')).toBe('new york');
    expect(normalizeAnswer(null)).toBeNull();
  });
});

describe('majorityIndex', () => {
  it('picks the first sample of the most common answer', () => {
    const samples = [
      '7 + 8 = 15, write 5 carry 1. 4 + 3 + 1 = 8. Answer: 85',
      '7 + 8 = 15, write 5. 4 + 3 = 7. Answer: 75',
      '7 + 8 = 15, write 5. 4 + 3 = 7. Answer: 75',
      '7 + 8 = 15, write 5 carry 1. 4 + 3 + 1 = 8. Answer: 85',
      '7 + 8 = 15, write 5 carry 1. 4 + 3 + 1 = 8. Answer: 85',
    ];
    expect(majorityIndex(samples)).toBe(0);
    expect(majorityIndex(samples.slice(1))).toBe(0);
    expect(majorityIndex(samples.slice(1, 4))).toBe(0);
    expect(majorityIndex([samples[1], samples[0], samples[0]])).toBe(1);
  });

  it('breaks ties in favour of the answer that appears first', () => {
    expect(majorityIndex(['Answer: 3', 'Answer: 4', 'Answer: 4', 'Answer: 3'])).toBe(0);
    expect(majorityIndex(['Answer: 4', 'Answer: 3', 'Answer: 3', 'Answer: 4'])).toBe(0);
  });

  it('does not count samples without an answer, and returns 0 when none has one', () => {
    expect(majorityIndex(['gibberish', 'more gibberish', 'Answer: 5'])).toBe(2);
    expect(majorityIndex(['gibberish', 'Answer: 5', 'none', 'Answer: 6', 'Answer: 6'])).toBe(3);
    expect(majorityIndex(['gibberish', 'no answer'])).toBe(0);
    expect(() => majorityIndex([])).toThrow(RangeError);
  });

  it('treats equal numbers written differently as one answer', () => {
    expect(majorityIndex(['Answer: 7', 'Answer: 1,000', 'Answer: 1000', 'Answer: 1000.0'])).toBe(1);
  });
});
