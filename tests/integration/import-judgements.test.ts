/**
 * Imports that carry judgements (HH, TRL, KTO, SFT, Open-Assistant, Label Studio, mapped CSV):
 * the judgements become submitted answers of a per-source pseudo-annotator, count toward the
 * overlap, and read back as the same preferences through buildTrainingData. Expected values come
 * from the input files, read here independently of the importer.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/server/db';
import { FORM_PRESETS, ZRatingForm, type Answer, type RatingFormInput } from '@/lib/forms/schema';
import { buildTrainingData, type AnnotationRecord } from '@/server/jobs/training-data';
import { importFile } from '@/server/services/import/import-file';
import { type TestUser, callerFor, catchTrpcError, createSignedInUser, signIn } from '../helpers/api';

const HH_FILE = path.resolve('../shared/data/hh-rlhf-harmless-base-test.jsonl.gz');
const OASST_FILE = path.resolve('../shared/data/oasst-en-100-trees.jsonl');

let admin: TestUser;

async function createProject(options: { form: RatingFormInput; completionsPerTask: number; overlap?: number; name?: string }) {
  const caller = await callerFor(admin);
  return caller.projects.create({ name: options.name ?? 'judgements', guidelines: '', form: options.form, overlap: options.overlap ?? 1, completionsPerTask: options.completionsPerTask });
}

async function countRows() {
  const [importBatches, prompts, completions, tasks, annotations, users] = await Promise.all([
    db.importBatch.count(),
    db.prompt.count(),
    db.completion.count(),
    db.task.count(),
    db.annotation.count(),
    db.user.count(),
  ]);
  return { importBatches, prompts, completions, tasks, annotations, users };
}

/** The project's submitted annotations as the trainer reads them, built here from plain queries. */
async function readRecords(projectId: number): Promise<AnnotationRecord[]> {
  const annotations = await db.annotation.findMany({
    where: { projectId, status: 'SUBMITTED' },
    orderBy: { id: 'asc' },
    select: {
      id: true,
      answer: true,
      task: { select: { completionIds: true, prompt: { select: { id: true, text: true, messages: true, split: true, completions: { select: { id: true, text: true } } } } } },
    },
  });
  return annotations.map((a) => ({
    annotationId: a.id,
    promptId: a.task.prompt.id,
    prompt: a.task.prompt.messages ? (a.task.prompt.messages as { role: 'user' | 'assistant' | 'system'; content: string }[]) : a.task.prompt.text,
    split: a.task.prompt.split,
    completions: new Map(a.task.prompt.completions.map((c) => [c.id, c.text])),
    completionIds: a.task.completionIds,
    answer: a.answer as Answer,
    editedText: null,
  }));
}

async function readPairs(projectId: number) {
  const project = await db.project.findUniqueOrThrow({ where: { id: projectId }, select: { form: true } });
  return buildTrainingData(ZRatingForm.parse(project.form), await readRecords(projectId)).pairs;
}

const sorted = (items: string[]) => [...items].sort();

beforeAll(async () => {
  admin = await createSignedInUser('admin');
});

describe('imports with judgements', () => {
  it('[ADMIN] the HH file imports with its judgements in under 5 s; every pair reads back as in the file', async () => {
    const content = zlib.gunzipSync(fs.readFileSync(HH_FILE)).toString('utf8');
    const records = content
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as { chosen: string; rejected: string });
    expect(records).toHaveLength(2312);
    const project = await createProject({ form: FORM_PRESETS.pairwise, completionsPerTask: 2, name: 'hh with judgements' });
    const caller = await callerFor(admin);

    const preview = await caller.imports.preview({ projectId: project.id, fileName: 'hh.jsonl', content });
    expect(preview).toMatchObject({ isValid: true, format: 'hh', taskCount: 2312, judgements: { annotatorName: 'Imported (Anthropic HH)', count: 2312, problem: null } });

    const started = performance.now();
    const result = await caller.imports.commit({ projectId: project.id, fileName: 'hh.jsonl', content });
    const elapsedMs = performance.now() - started;
    console.log(`[import-judgements] 2,312 HH pairs with judgements committed in ${elapsedMs.toFixed(0)} ms`);
    expect(elapsedMs).toBeLessThan(5000);
    expect(result).toMatchObject({ format: 'hh', taskCount: 2312, annotationCount: 2312, annotatorName: 'Imported (Anthropic HH)' });

    // The pseudo-annotator: an annotator account that is banned and cannot sign in.
    const annotator = await db.user.findUniqueOrThrow({ where: { id: 'imported-hh' }, select: { name: true, role: true, banned: true, email: true } });
    expect(annotator).toMatchObject({ name: 'Imported (Anthropic HH)', role: 'annotator', banned: true });
    await expect(signIn(annotator.email, 'anything at all')).rejects.toThrow(/Sign-in failed/);

    // Overlap 1: every task got its one answer, counted like a submitted one.
    expect(await db.task.count({ where: { projectId: project.id, status: 'DONE', submittedCount: 1 } })).toBe(2312);
    expect(await db.annotation.count({ where: { projectId: project.id, userId: 'imported-hh', status: 'SUBMITTED' } })).toBe(2312);

    // Read back through the trainer's pair builder: prompt + "\n\nAssistant:" + reply rebuilds each side of the file.
    const pairs = await readPairs(project.id);
    expect(pairs).toHaveLength(2312);
    const prompts = new Map((await db.prompt.findMany({ where: { projectId: project.id }, select: { id: true, text: true } })).map((p) => [p.id, p.text]));
    const readBack = pairs.map((pair) => `${prompts.get(pair.promptId)}\n\nAssistant:${pair.chosen}\u0000${prompts.get(pair.promptId)}\n\nAssistant:${pair.rejected}`);
    expect(sorted(readBack)).toEqual(sorted(records.map((r) => `${r.chosen}\u0000${r.rejected}`)));

    // The answer names the chosen completion whichever side it is shown on: both sides occur.
    const answers = await db.annotation.findMany({ where: { projectId: project.id }, select: { answer: true } });
    const choices = answers.map((a) => (a.answer as { preference: { choice: string } }).preference.choice);
    expect(choices.filter((c) => c === 'A').length).toBeGreaterThan(1000);
    expect(choices.filter((c) => c === 'B').length).toBeGreaterThan(1000);
  });

  it('[ADMIN] Open-Assistant: every ranked sibling group is one ranking task, and the pairs follow the ranks', async () => {
    const content = fs.readFileSync(OASST_FILE, 'utf8');
    // Independent reading of the trees: ranked assistant replies under each prompter message.
    type Node = { role: string; text: string; rank?: number | null; replies?: Node[] };
    const expectedPairs: string[] = [];
    let groups = 0;
    const walk = (node: Node, path: { role: string; content: string }[]) => {
      const conversation = [...path, { role: node.role === 'prompter' ? 'user' : 'assistant', content: node.text }];
      const ranked = (node.replies ?? []).filter((r) => r.role === 'assistant' && typeof r.rank === 'number');
      if (node.role === 'prompter' && ranked.length >= 2) {
        groups += 1;
        for (const better of ranked)
          for (const worse of ranked) if ((better.rank as number) < (worse.rank as number)) expectedPairs.push(`${JSON.stringify(conversation)}\u0000${better.text}\u0000${worse.text}`);
      }
      for (const reply of node.replies ?? []) walk(reply, conversation);
    };
    for (const line of content.split('\n').filter((l) => l.trim())) walk((JSON.parse(line) as { prompt: Node }).prompt, []);
    expect(groups).toBeGreaterThan(100);

    const project = await createProject({ form: FORM_PRESETS.ranking, completionsPerTask: 3, name: 'oasst' });
    const result = await (await callerFor(admin)).imports.commit({ projectId: project.id, fileName: 'oasst-en-100-trees.jsonl', content });
    expect(result).toMatchObject({ format: 'oasst', promptCount: groups, taskCount: groups, annotationCount: groups, annotatorName: 'Imported (Open-Assistant)' });
    const tasks = await db.task.findMany({ where: { projectId: project.id }, select: { completionIds: true, prompt: { select: { completions: { select: { id: true } } } } } });
    expect(tasks).toHaveLength(groups);
    for (const task of tasks) expect(sorted(task.completionIds.map(String))).toEqual(sorted(task.prompt.completions.map((c) => String(c.id))));

    const pairs = await readPairs(project.id);
    expect(sorted(pairs.map((p) => `${JSON.stringify(p.prompt)}\u0000${p.chosen}\u0000${p.rejected}`))).toEqual(sorted(expectedPairs));
  });

  it('[ADMIN] Label Studio pairwise: "left" is answer1, "right" answer2, whatever the display order; an unannotated task stays open', async () => {
    const tasks = [
      { id: 11, data: { prompt: 'Capital of France?', answer1: 'Paris', answer2: 'Lyon' }, annotations: [{ result: [{ value: { selected: 'left' } }] }] },
      {
        id: 12,
        data: { prompt: 'Two plus two?', answer1: 'Five', answer2: 'Four' },
        annotations: [{ was_cancelled: true, result: [{ value: { selected: 'left' } }] }, { result: [{ value: { selected: 'right' } }] }],
      },
      { id: 13, data: { prompt: 'Colour of the sky?', answer1: 'Blue', answer2: 'Green' }, annotations: [] },
    ];
    const project = await createProject({ form: FORM_PRESETS.pairwise, completionsPerTask: 2, overlap: 2 });
    const caller = await callerFor(admin);
    const preview = await caller.imports.preview({ projectId: project.id, fileName: 'export.json', content: JSON.stringify(tasks) });
    expect(preview).toMatchObject({ isValid: true, format: 'label-studio', judgements: { annotatorName: 'Imported (Label Studio)', count: 2, problem: null } });
    const result = await caller.imports.commit({ projectId: project.id, fileName: 'export.json', content: JSON.stringify(tasks) });
    expect(result).toMatchObject({ format: 'label-studio', taskCount: 3, annotationCount: 2 });

    const pairs = await readPairs(project.id);
    expect(sorted(pairs.map((p) => `${p.chosen}>${p.rejected}`))).toEqual(['Four>Five', 'Paris>Lyon']);
    // Overlap 2: one imported answer counts, the task stays open for one more person.
    const rows = await db.task.findMany({ where: { projectId: project.id }, orderBy: { id: 'asc' }, select: { status: true, submittedCount: true } });
    expect(rows).toEqual([
      { status: 'OPEN', submittedCount: 1 },
      { status: 'OPEN', submittedCount: 1 },
      { status: 'OPEN', submittedCount: 0 },
    ]);
  });

  it('[ADMIN] TRL preference pairs: string, conversational and implicit-prompt records', async () => {
    const lines = [
      { prompt: 'Say hi', chosen: 'Hi!', rejected: 'Go away.' },
      { prompt: [{ role: 'user', content: 'Name a fruit' }], chosen: [{ role: 'assistant', content: 'Apple' }], rejected: [{ role: 'assistant', content: 'Chair' }] },
      {
        chosen: [
          { role: 'user', content: 'Is water wet?' },
          { role: 'assistant', content: 'Yes, in everyday terms.' },
        ],
        rejected: [
          { role: 'user', content: 'Is water wet?' },
          { role: 'assistant', content: 'Purple.' },
        ],
      },
    ];
    const project = await createProject({ form: FORM_PRESETS.pairwise, completionsPerTask: 2 });
    const result = await (await callerFor(admin)).imports.commit({ projectId: project.id, fileName: 'trl.jsonl', content: lines.map((l) => JSON.stringify(l)).join('\n') });
    expect(result).toMatchObject({ format: 'trl-preference', taskCount: 3, annotationCount: 3, annotatorName: 'Imported (TRL)' });
    const pairs = await readPairs(project.id);
    expect(sorted(pairs.map((p) => `${JSON.stringify(p.prompt)}|${p.chosen}>${p.rejected}`))).toEqual(
      sorted([
        '"Say hi"|Hi!>Go away.',
        `${JSON.stringify([{ role: 'user', content: 'Name a fruit' }])}|Apple>Chair`,
        `${JSON.stringify([{ role: 'user', content: 'Is water wet?' }])}|Yes, in everyday terms.>Purple.`,
      ]),
    );
  });

  it('[ADMIN] imported judgements are settled at once: a snapshot taken right after the import holds them (undo window 300 s)', async () => {
    const project = await createProject({ form: FORM_PRESETS.pairwise, completionsPerTask: 2 });
    const caller = await callerFor(admin);
    await caller.imports.commit({
      projectId: project.id,
      fileName: 'trl.jsonl',
      content: '{"prompt": "Say hi", "chosen": "Hi!", "rejected": "Go away."}\n{"prompt": "Say bye", "chosen": "Bye!", "rejected": "No."}',
    });
    const snapshot = await caller.datasets.create({ projectId: project.id, filters: {} });
    expect(snapshot.counts.annotations).toBe(2);
    const preview = await caller.datasets.preview({ snapshotId: snapshot.id, format: 'trl-preference' });
    expect(preview.rows.map((row) => `${row.prompt}|${row.chosen}>${row.rejected}`).sort()).toEqual(['Say bye|Bye!>No.', 'Say hi|Hi!>Go away.']);
  });

  it('[ADMIN] KTO labels become thumbs; a pairwise-only form cannot hold them: the preview says so and the commit refuses', async () => {
    const content = [
      { prompt: 'Greet me', completion: 'Hello there!', label: true },
      { prompt: 'Greet me', completion: 'Whatever.', label: false },
      { prompt: 'Thank me', completion: 'Thank you!', label: true },
      { prompt: 'Thank me', completion: 'No.', label: false },
    ]
      .map((l) => JSON.stringify(l))
      .join('\n');
    const caller = await callerFor(admin);
    const thumbs = await createProject({ form: FORM_PRESETS.thumbs, completionsPerTask: 1 });
    const result = await caller.imports.commit({ projectId: thumbs.id, fileName: 'kto.jsonl', content });
    expect(result).toMatchObject({ format: 'trl-kto', promptCount: 2, taskCount: 4, annotationCount: 4 });
    const votes = await db.annotation.findMany({ where: { projectId: thumbs.id }, select: { answer: true, task: { select: { completionIds: true } } } });
    const texts = new Map((await db.completion.findMany({ where: { prompt: { projectId: thumbs.id } }, select: { id: true, text: true } })).map((c) => [c.id, c.text]));
    const byText = Object.fromEntries(
      votes.map((v) => [texts.get(v.task.completionIds[0]), (v.answer as { thumbs: { votes: Record<string, string> } }).thumbs.votes[String(v.task.completionIds[0])]]),
    );
    expect(byText).toEqual({ 'Hello there!': 'up', 'Whatever.': 'down', 'Thank you!': 'up', 'No.': 'down' });

    const pairwise = await createProject({ form: FORM_PRESETS.pairwise, completionsPerTask: 2 });
    const preview = await caller.imports.preview({ projectId: pairwise.id, fileName: 'kto.jsonl', content });
    expect(preview.judgements.problem).toMatch(/cannot hold the file's labels \(good or bad per completion\): that needs a thumbs question/);
    const before = await countRows();
    const error = await catchTrpcError(caller.imports.commit({ projectId: pairwise.id, fileName: 'kto.jsonl', content }));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(/^Nothing was imported: This project's form \(pairwise\) cannot hold/);
    expect(await countRows()).toEqual(before);
    // Without judgements the same file imports as prompts and completions only.
    expect(await caller.imports.commit({ projectId: pairwise.id, fileName: 'kto.jsonl', content, importJudgements: false })).toMatchObject({ taskCount: 2, annotationCount: 0, annotatorName: null });
  });

  it('[ADMIN] SFT is a choice: {prompt, completion} and {messages} records as thumbs-up demonstrations; detected, they stay plain', async () => {
    const content = [
      JSON.stringify({ prompt: 'Write a haiku', completion: 'Old pond, a frog jumps' }),
      JSON.stringify({
        messages: [
          { role: 'user', content: 'Say yes' },
          { role: 'assistant', content: 'Yes.' },
        ],
      }),
    ].join('\n');
    const caller = await callerFor(admin);
    const project = await createProject({ form: FORM_PRESETS.thumbs, completionsPerTask: 1 });
    const sft = await caller.imports.commit({ projectId: project.id, fileName: 'sft.jsonl', content, format: 'sft' });
    expect(sft).toMatchObject({ format: 'sft', taskCount: 2, annotationCount: 2, annotatorName: 'Imported (TRL)' });
    const answers = await db.annotation.findMany({ where: { projectId: project.id }, select: { answer: true } });
    expect(answers.map((a) => Object.values((a.answer as { thumbs: { votes: Record<string, string> } }).thumbs.votes))).toEqual([['up'], ['up']]);

    const plain = await createProject({ form: FORM_PRESETS.thumbs, completionsPerTask: 1 });
    const single = await caller.imports.commit({ projectId: plain.id, fileName: 'single.jsonl', content: JSON.stringify({ prompt: 'Write a haiku', completion: 'Old pond' }) });
    expect(single).toMatchObject({ format: 'jsonl-single', annotationCount: 0 });
    const messages = await caller.imports.commit({
      projectId: plain.id,
      fileName: 'chat.jsonl',
      content: JSON.stringify({
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello' },
        ],
      }),
    });
    expect(messages).toMatchObject({ format: 'messages', annotationCount: 0, taskCount: 1 });
  });

  it('[ADMIN] a .json array holds any of the record shapes; its errors name the array index', async () => {
    const caller = await callerFor(admin);
    const project = await createProject({ form: FORM_PRESETS.pairwise, completionsPerTask: 2 });
    const items = [
      { prompt: 'One?', completions: ['a', 'b'] },
      { prompt: 'Two?', completions: ['c', 'd'] },
    ];
    expect(await caller.imports.commit({ projectId: project.id, fileName: 'items.json', content: JSON.stringify(items) })).toMatchObject({ format: 'jsonl', taskCount: 2, annotationCount: 0 });
    const pairs = JSON.stringify([{ prompt: 'Three?', chosen: 'yes', rejected: 'no' }]);
    expect(await caller.imports.commit({ projectId: project.id, fileName: 'pairs.json', content: pairs })).toMatchObject({ format: 'trl-preference', annotationCount: 1 });

    const before = await countRows();
    const bad = JSON.stringify([...items, { question: 'Q', answer: 'A' }]);
    const preview = await caller.imports.preview({ projectId: project.id, fileName: 'bad.json', content: bad });
    expect(preview).toMatchObject({
      isValid: false,
      errorUnit: 'index',
      errors: [
        {
          line: 2,
          message: expect.stringMatching(/^found keys: question, answer; expected prompt and completions \(or prompt and completion; messages; chosen and rejected; prompt, chosen and rejected;/),
          keys: { kind: 'keys', found: ['question', 'answer'], expected: expect.arrayContaining(['prompt and completions', 'prompt, chosen and rejected']) },
        },
      ],
    });
    const error = await catchTrpcError(caller.imports.commit({ projectId: project.id, fileName: 'bad.json', content: bad }));
    expect(error.message).toMatch(/^Nothing was imported: array index 2: found keys: question, answer/);
    expect(await countRows()).toEqual(before);
  });

  it('[ADMIN] CSV with a column mapping: chosen / rejected columns become preferences; a label column becomes thumbs', async () => {
    const caller = await callerFor(admin);
    const pairwise = await createProject({ form: FORM_PRESETS.pairwise, completionsPerTask: 2 });
    const csv = 'question,good answer,bad answer,note\n"Hi, who are you?",I am a helper.,Nobody.,x\nWhat is 2+2?,4,5,y\n';
    const preview = await caller.imports.preview({ projectId: pairwise.id, fileName: 'pairs.csv', content: csv });
    expect(preview).toMatchObject({ isValid: false, csvColumns: ['question', 'good answer', 'bad answer', 'note'] });
    const mapping = { prompt: 'question', chosen: 'good answer', rejected: 'bad answer' };
    const mapped = await caller.imports.preview({ projectId: pairwise.id, fileName: 'pairs.csv', content: csv, mapping });
    expect(mapped).toMatchObject({ isValid: true, format: 'csv-mapped', taskCount: 2, judgements: { annotatorName: 'Imported (CSV)', count: 2 } });
    expect(await caller.imports.commit({ projectId: pairwise.id, fileName: 'pairs.csv', content: csv, mapping })).toMatchObject({ annotationCount: 2 });
    expect(sorted((await readPairs(pairwise.id)).map((p) => `${p.prompt}|${p.chosen}>${p.rejected}`))).toEqual(['Hi, who are you?|I am a helper.>Nobody.', 'What is 2+2?|4>5']);

    const thumbs = await createProject({ form: FORM_PRESETS.thumbs, completionsPerTask: 1 });
    const labelled = 'q,a,ok\nPing,Pong,yes\nPing,Pang,no\n';
    expect(await caller.imports.commit({ projectId: thumbs.id, fileName: 'labels.csv', content: labelled, mapping: { prompt: 'q', completion: 'a', label: 'ok' } })).toMatchObject({
      format: 'csv-mapped',
      promptCount: 1,
      taskCount: 2,
      annotationCount: 2,
    });
  });

  it('[ADMIN] bad inputs are refused whole with where and why, and the database is unchanged', async () => {
    const caller = await callerFor(admin);
    const project = await createProject({ form: FORM_PRESETS.pairwise, completionsPerTask: 2 });
    const before = await countRows();

    // A truncated gzip, as the HTTP API and the CLI hand it over.
    const lines = Array.from({ length: 100 }, (_, i) => JSON.stringify({ prompt: `Question ${i}?`, chosen: `good ${i}`, rejected: `bad ${i}` }));
    const gzip = zlib.gzipSync(lines.join('\n'));
    const truncated = gzip.subarray(0, Math.floor(gzip.length / 2));
    await expect(importFile({ projectId: project.id, fileName: 'pairs.jsonl.gz', content: truncated, importJudgements: true, userId: admin.id })).rejects.toThrow(
      /^Nothing was imported: pairs\.jsonl\.gz is not a complete gzip file \(truncated or corrupt/,
    );
    expect(await countRows()).toEqual(before);

    // A bad line 57.
    const broken = [...lines];
    broken[56] = '{"prompt": "Question 56?", "chosen": "good 56", "rejected": ';
    const lineError = await catchTrpcError(caller.imports.commit({ projectId: project.id, fileName: 'pairs.jsonl', content: broken.join('\n') }));
    expect(lineError.message).toMatch(/^Nothing was imported: line 57: invalid JSON/);
    expect(await countRows()).toEqual(before);

    // A CSV missing a mapped column.
    const csvError = await catchTrpcError(
      caller.imports.commit({ projectId: project.id, fileName: 'pairs.csv', content: 'question,good\nQ,A\n', mapping: { prompt: 'question', chosen: 'good', rejected: 'bad' } }),
    );
    expect(csvError.message).toBe('Nothing was imported: line 1: the column "bad" mapped to rejected is not in the header (found columns: question, good)');
    expect(await countRows()).toEqual(before);

    // A single 50 MB line.
    const huge = JSON.stringify({ prompt: 'Big?', chosen: 'x'.repeat(50 * 1024 * 1024 - 100), rejected: 'no' });
    await expect(importFile({ projectId: project.id, fileName: 'huge.jsonl', content: Buffer.from(huge), importJudgements: true, userId: admin.id })).rejects.toThrow(
      /^Nothing was imported: line 1: "chosen" is 50\.0 MB, over the 1\.0 MB limit/,
    );
    expect(await countRows()).toEqual(before);
    // And the whole good file, gzipped, goes in.
    expect(await importFile({ projectId: project.id, fileName: 'pairs.jsonl.gz', content: gzip, importJudgements: true, userId: admin.id })).toMatchObject({
      format: 'trl-preference',
      taskCount: 100,
      annotationCount: 100,
    });
  });
});
