/** Parsing the judgement-carrying formats and turning judgements into answers, without a database. */
import { describe, expect, it } from 'vitest';
import { ZRatingForm, FORM_PRESETS } from '@/lib/forms/schema';
import { parseImportFile } from '@/server/services/import/parse-import-file';
import { buildImportedAnswer, planJudgements } from '@/server/services/import/plan-judgements';
import type { ParsedImport, ParsedPrompt } from '@/server/services/import/types';

const jsonl = (records: unknown[]) => records.map((r) => JSON.stringify(r)).join('\n');
function valid(parsed: ParsedImport) {
  if (!parsed.isValid) throw new Error(`expected a valid file: ${JSON.stringify(parsed.errors)}`);
  return parsed;
}

describe('judgement formats', () => {
  it('detects TRL preference, KTO, messages and HH from the keys, and names the keys of a record it does not know', () => {
    expect(valid(parseImportFile({ fileName: 'a.jsonl', content: jsonl([{ prompt: 'p', chosen: 'a', rejected: 'b' }]), completionsPerTask: 2 })).format).toBe('trl-preference');
    expect(valid(parseImportFile({ fileName: 'a.jsonl', content: jsonl([{ prompt: 'p', completion: 'a', label: false }]), completionsPerTask: 1 })).prompts[0].judgement).toEqual({
      type: 'labels',
      labels: ['down'],
    });
    expect(
      valid(
        parseImportFile({
          fileName: 'a.jsonl',
          content: jsonl([
            {
              messages: [
                { role: 'user', content: 'q' },
                { role: 'assistant', content: 'a' },
              ],
            },
          ]),
          completionsPerTask: 1,
        }),
      ).format,
    ).toBe('messages');
    expect(
      valid(parseImportFile({ fileName: 'a.jsonl', content: jsonl([{ chosen: '\n\nHuman: hi\n\nAssistant: yo', rejected: '\n\nHuman: hi\n\nAssistant: no' }]), completionsPerTask: 2 })).prompts[0],
    ).toMatchObject({
      text: '\n\nHuman: hi',
      completions: [' yo', ' no'],
      judgement: { type: 'order', order: [0, 1] },
    });
    const unknown = parseImportFile({ fileName: 'a.jsonl', content: jsonl([{ question: 'q', answer: 'a' }]), completionsPerTask: 2 });
    expect(unknown).toMatchObject({
      isValid: false,
      errors: [
        {
          line: 1,
          message: expect.stringMatching(
            /^found keys: question, answer; expected prompt and completions \(or prompt and completion; messages; chosen and rejected; prompt, chosen and rejected; prompt, completion and label;/,
          ),
          keys: {
            kind: 'keys',
            found: ['question', 'answer'],
            expected: [
              'prompt and completions',
              'prompt and completion',
              'messages',
              'chosen and rejected',
              'prompt, chosen and rejected',
              'prompt, completion and label',
              'message_tree_id and prompt (an Open-Assistant tree)',
              'data and annotations (a Label Studio task)',
            ],
          },
        },
      ],
    });
  });

  it('an implicit-prompt TRL pair splits at the first message where chosen and rejected differ', () => {
    const user = { role: 'user', content: 'Hi' };
    const parsed = valid(
      parseImportFile({
        fileName: 'a.jsonl',
        content: jsonl([{ chosen: [user, { role: 'assistant', content: 'Hello!' }], rejected: [user, { role: 'assistant', content: 'Bye.' }] }]),
        completionsPerTask: 2,
      }),
    );
    expect(parsed.prompts[0]).toMatchObject({ messages: [user], text: 'Hi', completions: ['Hello!', 'Bye.'] });
  });

  it('OASST: one prompt per prompter message with two or more ranked replies, ordered by rank, each one task', () => {
    const tree = {
      message_tree_id: 't1',
      prompt: {
        message_id: 'm1',
        role: 'prompter',
        text: 'Q1',
        replies: [
          { role: 'assistant', text: 'worst', rank: 2, replies: [] },
          { role: 'assistant', text: 'best', rank: 0, replies: [{ role: 'prompter', text: 'Q2', replies: [{ role: 'assistant', text: 'only', rank: 0 }] }] },
          { role: 'assistant', text: 'middle', rank: 1 },
        ],
      },
    };
    const parsed = valid(parseImportFile({ fileName: 't.jsonl', content: jsonl([tree]), completionsPerTask: 2 }));
    expect(parsed).toMatchObject({ format: 'oasst', taskShape: 'whole-prompt', taskCount: 1 });
    expect(parsed.prompts[0]).toMatchObject({ completions: ['worst', 'best', 'middle'], judgement: { type: 'order', order: [1, 2, 0] }, externalId: 'm1' });
    const pairwise = parseImportFile({ fileName: 't.jsonl', content: jsonl([tree]), completionsPerTask: 2, isPairwiseForm: true });
    expect(pairwise).toMatchObject({ isValid: false, errors: [{ line: 1, message: expect.stringContaining('a group of 3 ranked replies becomes one task') }] });
  });

  it('a pairwise answer names the chosen completion in the display order, not its position in the file', () => {
    const form = ZRatingForm.parse(FORM_PRESETS.pairwise);
    const idOf = (index: number) => [101, 102][index];
    expect(buildImportedAnswer({ form, judgement: { type: 'order', order: [0, 1] }, shown: [101, 102], idOf })).toEqual({ preference: { type: 'pairwise', choice: 'A' } });
    expect(buildImportedAnswer({ form, judgement: { type: 'order', order: [0, 1] }, shown: [102, 101], idOf })).toEqual({ preference: { type: 'pairwise', choice: 'B' } });
    expect(buildImportedAnswer({ form, judgement: { type: 'order', order: [1, 0] }, shown: [102, 101], idOf })).toEqual({ preference: { type: 'pairwise', choice: 'A' } });
  });

  it('a form that cannot hold the judgements is named in words', () => {
    const prompts: ParsedPrompt[] = [{ line: 1, text: 'p', messages: null, externalId: null, split: 'TRAIN', completions: ['a'], judgement: { type: 'labels', labels: ['up'] } }];
    const likert = ZRatingForm.parse(FORM_PRESETS.likert);
    expect(planJudgements({ form: likert, format: 'trl-kto', prompts, completionsPerTask: 1, isWholePromptTask: false })).toMatchObject({
      annotator: { id: 'imported-trl' },
      count: 1,
      problem: expect.stringContaining("This project's form (likert) cannot hold the file's labels"),
    });
    const thumbs = ZRatingForm.parse(FORM_PRESETS.thumbs);
    expect(planJudgements({ form: thumbs, format: 'trl-kto', prompts, completionsPerTask: 1, isWholePromptTask: false }).problem).toBeNull();
  });
});

describe('gzip sent as text', () => {
  it('is named as gzip, not as invalid JSON', () => {
    const content = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x41]).toString('utf8');
    expect(parseImportFile({ fileName: 'a.jsonl', content, completionsPerTask: 2 })).toMatchObject({
      isValid: false,
      errors: [{ line: 1, message: expect.stringMatching(/^the file is gzip-compressed/) }],
    });
  });
});
