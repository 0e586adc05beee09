import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/server/db';
import { FORM_PRESETS } from '@/lib/forms/schema';
import { formatHhConversation } from '@/server/services/import/hh';
import { type TestUser, callerFor, catchTrpcError, createSignedInUser } from '../helpers/api';

const HH_FILE = path.resolve('../shared/data/hh-rlhf-harmless-base-test.jsonl.gz');

let admin: TestUser;

async function createProject(options: { preset: keyof typeof FORM_PRESETS; completionsPerTask: number; name?: string }) {
  const caller = await callerFor(admin);
  return caller.projects.create({ name: options.name ?? `import ${options.preset}`, guidelines: '', form: FORM_PRESETS[options.preset], overlap: 1, completionsPerTask: options.completionsPerTask });
}

async function countRows() {
  const [importBatches, prompts, completions, tasks] = await Promise.all([db.importBatch.count(), db.prompt.count(), db.completion.count(), db.task.count()]);
  return { importBatches, prompts, completions, tasks };
}

beforeAll(async () => {
  admin = await createSignedInUser('admin');
});

describe('imports', () => {
  it('a file with one bad line writes nothing and reports that line', async () => {
    const project = await createProject({ preset: 'pairwise', completionsPerTask: 2 });
    const caller = await callerFor(admin);
    const lines = Array.from({ length: 10 }, (_, i) => JSON.stringify({ prompt: `Question ${i}?`, completions: [`answer ${i}a`, `answer ${i}b`] }));
    lines[6] = JSON.stringify({ prompt: 'Question 6?', completions: ['only one'] });
    const before = await countRows();

    const error = await catchTrpcError(caller.imports.commit({ projectId: project.id, fileName: 'questions.jsonl', content: lines.join('\n') }));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toBe('Nothing was imported: line 7: the prompt has 1 completion, but this project shows 2 per task');
    const details = (error.cause as { details?: unknown } | undefined)?.details;
    expect(details).toEqual({ errors: [{ line: 7, message: 'the prompt has 1 completion, but this project shows 2 per task' }], errorCount: 1, format: 'jsonl' });
    expect(await countRows()).toEqual(before);

    // Invalid JSON on line 3 of a CSV-free JSONL file: same all-or-nothing.
    lines[6] = JSON.stringify({ prompt: 'Question 6?', completions: ['a', 'b'] });
    lines[2] = '{"prompt": "Question 2?", "completions": ["a", "b"]';
    const jsonError = await catchTrpcError(caller.imports.commit({ projectId: project.id, fileName: 'questions.jsonl', content: lines.join('\n') }));
    expect(jsonError.message).toMatch(/^Nothing was imported: line 3: invalid JSON/);
    expect(await countRows()).toEqual(before);

    // The preview reports the same errors without throwing.
    const preview = await caller.imports.preview({ projectId: project.id, fileName: 'questions.jsonl', content: lines.join('\n') });
    expect(preview).toMatchObject({ isValid: false, errorCount: 1, errors: [{ line: 3 }], sample: [] });
  });

  it('the shared Anthropic HH file imports as 2,312 pairwise tasks whose texts equal the file', async () => {
    const content = zlib.gunzipSync(fs.readFileSync(HH_FILE)).toString('utf8');
    const records = content
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as { chosen: string; rejected: string });
    expect(records).toHaveLength(2312);

    const project = await createProject({ preset: 'pairwise', completionsPerTask: 2, name: 'hh-rlhf harmless-base test' });
    const caller = await callerFor(admin);
    const preview = await caller.imports.preview({ projectId: project.id, fileName: 'hh-rlhf-harmless-base-test.jsonl', content });
    expect(preview).toMatchObject({ isValid: true, format: 'hh', promptCount: 2312, completionCount: 4624, taskCount: 2312 });
    expect(preview.sample).toHaveLength(5);

    const started = performance.now();
    const result = await caller.imports.commit({ projectId: project.id, fileName: 'hh-rlhf-harmless-base-test.jsonl', content, importJudgements: false });
    const elapsedMs = performance.now() - started;
    console.log(`[import] 2,312 HH pairs committed in ${elapsedMs.toFixed(0)} ms`);
    expect(result).toMatchObject({ format: 'hh', promptCount: 2312, completionCount: 4624, taskCount: 2312 });

    const prompts = await db.prompt.findMany({
      where: { importId: result.importId },
      orderBy: { id: 'asc' },
      select: {
        id: true,
        text: true,
        completions: { orderBy: { id: 'asc' }, select: { id: true, text: true, source: true } },
        tasks: { select: { completionIds: true, status: true, projectId: true } },
      },
    });
    expect(prompts).toHaveLength(2312);
    let chosenShownFirst = 0;
    prompts.forEach((prompt, index) => {
      const [chosen, rejected] = prompt.completions;
      // The file's order is kept in ids: the first completion is the chosen one.
      expect(formatHhConversation(prompt.text, chosen.text)).toBe(records[index].chosen);
      expect(formatHhConversation(prompt.text, rejected.text)).toBe(records[index].rejected);
      expect(prompt.completions.every((c) => c.source === 'IMPORT')).toBe(true);
      expect(prompt.tasks).toHaveLength(1);
      const [task] = prompt.tasks;
      expect(task).toMatchObject({ status: 'OPEN', projectId: project.id });
      expect([...task.completionIds].sort((a, b) => a - b)).toEqual([chosen.id, rejected.id]);
      if (task.completionIds[0] === chosen.id) chosenShownFirst += 1;
    });
    // Display order is random per task: both orders occur, roughly half each.
    expect(chosenShownFirst).toBeGreaterThan(1000);
    expect(chosenShownFirst).toBeLessThan(1312);
    expect(await db.task.count({ where: { projectId: project.id } })).toBe(2312);
    expect(await db.importBatch.findUniqueOrThrow({ where: { id: result.importId }, select: { format: true, promptCount: true, taskCount: true } })).toEqual({
      format: 'hh',
      promptCount: 2312,
      taskCount: 2312,
    });
  });

  it('CSV with one completion per row and with completion_1..k columns', async () => {
    const caller = await callerFor(admin);
    const likert = await createProject({ preset: 'likert', completionsPerTask: 1 });
    const long = await caller.imports.commit({ projectId: likert.id, fileName: 'long.csv', content: 'prompt,completion\n"Hi, you",a\n"Hi, you",b\nBye,c\n' });
    expect(long).toMatchObject({ format: 'csv', promptCount: 2, completionCount: 3, taskCount: 3 });

    const ranking = await createProject({ preset: 'ranking', completionsPerTask: 3 });
    const wide = await caller.imports.commit({ projectId: ranking.id, fileName: 'wide.csv', content: 'prompt,completion_1,completion_2,completion_3\nq1,a,b,c\nq2,d,e,f\n' });
    expect(wide).toMatchObject({ format: 'csv-wide', promptCount: 2, completionCount: 6, taskCount: 2 });
    const tasks = await db.task.findMany({ where: { projectId: ranking.id }, select: { completionIds: true, prompt: { select: { completions: { select: { id: true } } } } } });
    for (const task of tasks) expect([...task.completionIds].sort((a, b) => a - b)).toEqual(task.prompt.completions.map((c) => c.id).sort((a, b) => a - b));

    const before = await countRows();
    const error = await catchTrpcError(caller.imports.commit({ projectId: ranking.id, fileName: 'wide.csv', content: 'prompt,completion_1,completion_2,completion_3\nq1,a,b,c\nq2,d,e\n' }));
    expect(error.message).toMatch(/line 3: expected 4 fields/);
    expect(await countRows()).toEqual(before);
  });

  it('chat prompts keep their messages; preview shows the first five prompts', async () => {
    const caller = await callerFor(admin);
    const project = await createProject({ preset: 'thumbs', completionsPerTask: 1 });
    const content = Array.from({ length: 7 }, (_, i) =>
      JSON.stringify({
        prompt: [
          { role: 'user', content: `Hello ${i}` },
          { role: 'assistant', content: 'Hi!' },
          { role: 'user', content: 'Tell me a joke' },
        ],
        completions: ['joke'],
      }),
    ).join('\n');
    const preview = await caller.imports.preview({ projectId: project.id, fileName: 'chat.jsonl', content });
    expect(preview).toMatchObject({ isValid: true, format: 'jsonl', promptCount: 7, taskCount: 7 });
    expect(preview.sample).toHaveLength(5);
    const result = await caller.imports.commit({ projectId: project.id, fileName: 'chat.jsonl', content });
    const prompt = await db.prompt.findFirstOrThrow({ where: { importId: result.importId }, orderBy: { id: 'asc' }, select: { text: true, messages: true } });
    expect(prompt.messages).toEqual([
      { role: 'user', content: 'Hello 0' },
      { role: 'assistant', content: 'Hi!' },
      { role: 'user', content: 'Tell me a joke' },
    ]);
    expect(prompt.text).toBe('User: Hello 0\n\nAssistant: Hi!\n\nUser: Tell me a joke');
  });

  it('an unknown project is NOT_FOUND; annotators may not import', async () => {
    const caller = await callerFor(admin);
    expect((await catchTrpcError(caller.imports.preview({ projectId: 999_999, fileName: 'a.jsonl', content: '{}' }))).code).toBe('NOT_FOUND');
    const annotator = await createSignedInUser('annotator');
    expect((await catchTrpcError((await callerFor(annotator)).imports.commit({ projectId: 1, fileName: 'a.jsonl', content: '{}' }))).code).toBe('FORBIDDEN');
  });
});
