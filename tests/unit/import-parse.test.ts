import { describe, expect, it } from 'vitest';
import { parseImportFile, detectFileKind } from '@/server/services/import/parse-import-file';
import { formatHhConversation, parseHhTurns, splitHhPair } from '@/server/services/import/hh';
import { findCompletionCountProblem, groupIntoTasks, shuffleWithCrypto } from '@/server/services/create-tasks';
import type { ParsedImport } from '@/server/services/import/types';

const jsonl = (...records: unknown[]) => records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n');

function expectValid(result: ParsedImport) {
  if (!result.isValid) throw new Error(`expected a valid file, got ${JSON.stringify(result.errors)}`);
  return result;
}
function expectInvalid(result: ParsedImport) {
  if (result.isValid) throw new Error('expected line errors');
  return result;
}

describe('JSONL with a completions list', () => {
  it('reads prompts, completions, ids and splits', () => {
    const content = jsonl({ prompt: 'What is 2+2?', completions: ['4', 'five'], id: 'q1' }, '', {
      prompt: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
      completions: ['Hello', 'Yo'],
      external_id: 7,
      split: 'heldout',
    });
    const result = expectValid(parseImportFile({ fileName: 'data.jsonl', content, completionsPerTask: 2 }));
    expect(result.format).toBe('jsonl');
    expect(result).toMatchObject({ completionCount: 4, taskCount: 2 });
    expect(result.prompts[0]).toEqual({ line: 1, text: 'What is 2+2?', messages: null, externalId: 'q1', split: 'TRAIN', completions: ['4', 'five'] });
    expect(result.prompts[1]).toMatchObject({ line: 3, externalId: '7', split: 'HELDOUT', text: 'System: Be brief.\n\nUser: Hi' });
    expect(result.prompts[1].messages).toHaveLength(2);
  });

  it('a single user message is the prompt text itself', () => {
    const result = expectValid(parseImportFile({ fileName: 'a.jsonl', content: jsonl({ prompt: [{ role: 'user', content: 'Hi' }], completions: ['a'] }), completionsPerTask: 1 }));
    expect(result.prompts[0].text).toBe('Hi');
  });

  it('groups of k: 4 completions with 2 per task make 2 tasks; 3 are an error', () => {
    expect(expectValid(parseImportFile({ fileName: 'a.jsonl', content: jsonl({ prompt: 'p', completions: ['a', 'b', 'c', 'd'] }), completionsPerTask: 2 })).taskCount).toBe(2);
    const bad = expectInvalid(parseImportFile({ fileName: 'a.jsonl', content: jsonl({ prompt: 'p', completions: ['a', 'b', 'c'] }), completionsPerTask: 2 }));
    expect(bad.errors[0]).toEqual({ line: 1, message: expect.stringContaining('do not split into tasks of 2') });
  });
});

describe('JSONL with one completion per line', () => {
  it('groups lines by prompt, keeping first appearance order and line', () => {
    const content = jsonl({ prompt: 'A', completion: 'a1' }, { prompt: 'B', completion: 'b1' }, { prompt: 'A', completion: 'a2' }, { prompt: 'B', completion: 'b2' });
    const result = expectValid(parseImportFile({ fileName: 'x.jsonl', content, completionsPerTask: 2 }));
    expect(result.format).toBe('jsonl-single');
    expect(result.prompts.map((p) => [p.line, p.text, p.completions])).toEqual([
      [1, 'A', ['a1', 'a2']],
      [2, 'B', ['b1', 'b2']],
    ]);
  });

  it('a prompt with too few completions is reported at its first line', () => {
    const content = jsonl({ prompt: 'A', completion: 'a1' }, { prompt: 'B', completion: 'b1' }, { prompt: 'A', completion: 'a2' });
    const result = expectInvalid(parseImportFile({ fileName: 'x.jsonl', content, completionsPerTask: 2 }));
    expect(result.errors).toEqual([{ line: 2, message: 'the prompt has 1 completion, but this project shows 2 per task' }]);
  });
});

describe('Anthropic HH pairs', () => {
  const chosen = '\n\nHuman: Hi there\n\nAssistant: Hello!\n\nHuman: How do I sort a list?\n\nAssistant: Use `sorted(xs)`.';
  const rejected = '\n\nHuman: Hi there\n\nAssistant: Hello!\n\nHuman: How do I sort a list?\n\nAssistant:  No idea.';

  it('splits at the last shared "\\n\\nAssistant:" and keeps completion texts exactly (leading space included)', () => {
    const result = expectValid(parseImportFile({ fileName: 'hh.jsonl', content: jsonl({ chosen, rejected }), completionsPerTask: 2 }));
    expect(result.format).toBe('hh');
    const [prompt] = result.prompts;
    expect(prompt.text).toBe('\n\nHuman: Hi there\n\nAssistant: Hello!\n\nHuman: How do I sort a list?');
    expect(prompt.completions).toEqual([' Use `sorted(xs)`.', '  No idea.']);
    expect(formatHhConversation(prompt.text, prompt.completions[0])).toBe(chosen);
    expect(formatHhConversation(prompt.text, prompt.completions[1])).toBe(rejected);
    expect(prompt.messages).toEqual([
      { role: 'user', content: 'Hi there' },
      { role: 'assistant', content: 'Hello!' },
      { role: 'user', content: 'How do I sort a list?' },
    ]);
  });

  it('a reply without a leading space is kept as is and still rebuilds exactly', () => {
    const split = splitHhPair('\n\nHuman: q\n\nAssistant:yes', '\n\nHuman: q\n\nAssistant: no');
    expect(split).toEqual({ prompt: '\n\nHuman: q', chosen: 'yes', rejected: ' no' });
  });

  it('when the sides differ before their last assistant turn, splits at the last shared one', () => {
    const c = '\n\nHuman: q\n\nAssistant: a  Human: more?\n\nAssistant: b';
    const r = '\n\nHuman: q\n\nAssistant: c';
    const split = splitHhPair(c, r);
    expect(split).toEqual({ prompt: '\n\nHuman: q', chosen: ' a  Human: more?\n\nAssistant: b', rejected: ' c' });
    expect(split && formatHhConversation(split.prompt, split.chosen)).toBe(c);
  });

  it('pairs sharing no assistant turn, and missing sides, are line errors', () => {
    const content = jsonl({ chosen: '\n\nHuman: a\n\nAssistant: x', rejected: '\n\nHuman: b\n\nAssistant: y' }, { chosen: 'x' }, { chosen: 1, rejected: 'y' });
    const result = expectInvalid(parseImportFile({ fileName: 'hh.jsonl', content, completionsPerTask: 2 }));
    expect(result.errors.map((e) => e.line)).toEqual([1, 2, 3]);
    expect(result.errors[1].message).toBe('missing field "rejected"');
    expect(result.errors[2].message).toBe('"chosen" must be a string, not a number');
  });

  it('parses turns only from a conversation that starts with a marker', () => {
    expect(parseHhTurns('preamble\n\nHuman: hi')).toBeNull();
  });
});

describe('CSV', () => {
  it('prompt,completion rows are grouped by prompt; quoted commas, quotes and newlines survive', () => {
    const content = 'prompt,completion,id\n"Say ""hi"", please",Hi,p1\n"Say ""hi"", please","Hello,\nthere",p1\nOther,x,p2\nOther,y,p2\n';
    const result = expectValid(parseImportFile({ fileName: 'data.csv', content, completionsPerTask: 2 }));
    expect(result.format).toBe('csv');
    expect(result.prompts).toEqual([
      { line: 2, text: 'Say "hi", please', messages: null, externalId: 'p1', split: 'TRAIN', completions: ['Hi', 'Hello,\nthere'] },
      { line: 5, text: 'Other', messages: null, externalId: 'p2', split: 'TRAIN', completions: ['x', 'y'] },
    ]);
  });

  it('prompt,completion_1..k rows, CRLF line ends, trailing empty cells ignored', () => {
    const content = 'Prompt,Completion_1,Completion_2,Completion_3,split\r\nq1,a,b,,train\r\nq2,c,d,e,heldout\r\n';
    const result = expectValid(parseImportFile({ fileName: 'wide.csv', content, completionsPerTask: 1 }));
    expect(result.format).toBe('csv-wide');
    expect(result.prompts.map((p) => [p.text, p.completions, p.split])).toEqual([
      ['q1', ['a', 'b'], 'TRAIN'],
      ['q2', ['c', 'd', 'e'], 'HELDOUT'],
    ]);
    expect(result.taskCount).toBe(5);
  });

  it('reports the starting line of bad rows after multi-line records', () => {
    const content = 'prompt,completion\n"multi\nline\nprompt",ok\nonly-one-field\nq,\n';
    const result = expectInvalid(parseImportFile({ fileName: 'bad.csv', content, completionsPerTask: 1 }));
    expect(result.errors).toEqual([
      { line: 5, message: 'expected 2 fields as in the header, found 1 (check the quotes)' },
      { line: 6, message: '"completion" is empty' },
    ]);
  });

  it('a header without the needed columns is an error; a header alone is an empty file', () => {
    expect(expectInvalid(parseImportFile({ fileName: 'a.csv', content: 'question,answer\nq,a\n', completionsPerTask: 1 })).errors[0].line).toBe(1);
    expect(expectInvalid(parseImportFile({ fileName: 'a.csv', content: 'prompt,completion\n', completionsPerTask: 1 })).errors).toEqual([{ line: 1, message: 'the file has a header but no rows' }]);
  });

  it('tab-separated files are read too', () => {
    const result = expectValid(parseImportFile({ fileName: 'a.tsv', content: 'prompt\tcompletion\nq, with comma\ta\n', completionsPerTask: 1 }));
    expect(result.prompts[0].text).toBe('q, with comma');
  });
});

describe('all-or-nothing errors', () => {
  it('invalid JSON, missing fields, wrong types and oversized text are reported with their lines', () => {
    const content = jsonl(
      { prompt: 'ok', completions: ['a'] },
      '{"prompt": "broken", ',
      { completions: ['a'] },
      { prompt: 'p', completions: 'a' },
      { prompt: 'p', completions: ['x'.repeat(2000)] },
      { prompt: 'p', completions: [1] },
      '[1,2]',
    );
    const result = expectInvalid(parseImportFile({ fileName: 'a.jsonl', content, completionsPerTask: 1, limits: { maxFieldBytes: 1000, maxFileBytes: 1_000_000 } }));
    expect(result.errorCount).toBe(6);
    expect(result.errors.map((e) => e.line)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(result.errors[0].message).toMatch(/^invalid JSON/);
    expect(result.errors[1].message).toBe('missing field "prompt"');
    expect(result.errors[2].message).toBe('"completions" must be a list of strings, not a string');
    expect(result.errors[3].message).toBe('"completions"[0] is 2.0 KB, over the 1000 bytes limit');
    expect(result.errors[4].message).toBe('"completions"[0] must be a string, not a number');
    expect(result.errors[5].message).toBe('expected a JSON object, got an array');
  });

  it('reports the first 20 errors in line order and counts them all', () => {
    const content = Array.from({ length: 30 }, () => 'not json').join('\n');
    const result = expectInvalid(parseImportFile({ fileName: 'a.jsonl', content, completionsPerTask: 1 }));
    expect(result.errorCount).toBe(30);
    expect(result.errors.map((e) => e.line)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('an empty file, a mixed-format file and an oversized file are rejected', () => {
    expect(expectInvalid(parseImportFile({ fileName: 'a.jsonl', content: '\n  \n', completionsPerTask: 1 })).errors).toEqual([{ line: 1, message: 'the file is empty' }]);
    const mixed = expectInvalid(parseImportFile({ fileName: 'a.jsonl', content: jsonl({ prompt: 'p', completions: ['a'] }, { prompt: 'p', completion: 'a' }), completionsPerTask: 1 }));
    expect(mixed.errors[0]).toMatchObject({ line: 2 });
    const big = expectInvalid(parseImportFile({ fileName: 'a.jsonl', content: 'x'.repeat(2000), completionsPerTask: 1, limits: { maxFieldBytes: 100, maxFileBytes: 1000 } }));
    expect(big.errors[0].message).toMatch(/over the/);
  });

  it('a blank prompt and an unknown split are errors', () => {
    const result = expectInvalid(
      parseImportFile({ fileName: 'a.jsonl', content: jsonl({ prompt: '  ', completions: ['a'] }, { prompt: 'p', completions: ['a'], split: 'dev' }), completionsPerTask: 1 }),
    );
    expect(result.errors).toEqual([
      { line: 1, message: '"prompt" is empty' },
      { line: 2, message: '"split" must be "train" or "heldout", not "dev"' },
    ]);
  });
});

describe('format detection', () => {
  it('by file name, else by content', () => {
    expect(detectFileKind('a.JSONL', 'prompt,completion')).toBe('jsonl');
    expect(detectFileKind('a.csv', '{"prompt"')).toBe('csv');
    expect(detectFileKind('upload', '  {"prompt": "x"}')).toBe('jsonl');
    expect(detectFileKind('upload', 'prompt,completion')).toBe('csv');
  });
});

describe('tasks from completions', () => {
  it('groups consecutive completions and shuffles each group; every order occurs', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i += 1) {
      const groups = groupIntoTasks([1, 2, 3, 4, 5, 6], 3);
      expect(groups.map((g) => [...g].sort())).toEqual([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      seen.add(groups[0].join(','));
    }
    expect(seen.size).toBe(6);
  });

  it('shuffling keeps the elements and does not change the input', () => {
    const input = [1, 2, 3, 4];
    expect([...shuffleWithCrypto(input)].sort()).toEqual([1, 2, 3, 4]);
    expect(input).toEqual([1, 2, 3, 4]);
  });

  it('explains counts that cannot make tasks', () => {
    expect(findCompletionCountProblem(2, 2)).toBeNull();
    expect(findCompletionCountProblem(1, 2)).toMatch(/has 1 completion, but/);
  });
});

describe('a file of no known shape says what it found and what was expected', () => {
  it('a CSV header: its columns, and the two layouts', () => {
    const result = expectInvalid(parseImportFile({ fileName: 'reviews.csv', content: 'question,answer_a,answer_b\nHi?,Yo,No\n', completionsPerTask: 2 }));
    expect(result.errors).toEqual([
      {
        line: 1,
        message:
          'found columns: question, answer_a, answer_b; expected prompt and completion (one completion per row) or prompt and completion_1, completion_2, … (one prompt per row), or map the columns to prompt, completion, chosen, rejected or label',
        keys: {
          kind: 'columns',
          found: ['question', 'answer_a', 'answer_b'],
          expected: ['prompt and completion (one completion per row)', 'prompt and completion_1, completion_2, … (one prompt per row)'],
        },
      },
    ]);
  });

  it('a record of another shape than the file: its keys, and the keys of the file', () => {
    const content = jsonl({ prompt: 'One?', completions: ['a', 'b'] }, { prompt: 'Two?', chosen: 'c', rejected: 'd' });
    const result = expectInvalid(parseImportFile({ fileName: 'mixed.jsonl', content, completionsPerTask: 2 }));
    expect(result.errors).toEqual([
      {
        line: 2,
        message: "this record has prompt, chosen and rejected, but the file's records have prompt and completions (format jsonl)",
        keys: { kind: 'keys', found: ['prompt', 'chosen', 'rejected'], expected: ['prompt and completions'] },
      },
    ]);
  });
});
