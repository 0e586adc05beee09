/**
 * Bad input stops at the boundary: ids beyond the 32-bit columns, NUL characters and unpaired
 * surrogates in stored text are a BAD_REQUEST with a message, never an internal error, and write
 * nothing. Like the access test, the id table enumerates the router: a new procedure must be
 * listed, as taking an id or as taking none.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import { appRouter } from '@/server/api/root';
import { db } from '@/server/db';
import { FORM_PRESETS } from '@/lib/forms/schema';
import { callerFor, createSignedInUser, type TestUser } from '../helpers/api';
import { createQueueProject, pairwiseAnswer } from './queue-fixtures';

const TOO_BIG_IDS = [2_147_483_648, 2 ** 53];
const BAD_TEXTS = { nul: 'before\u0000after', loneSurrogate: 'before\ud800after' };

/** Inputs of every procedure that takes an id, one per id field, with `id` in that field and valid values elsewhere. */
function idInputs(projectId: number, taskId: number): Record<string, ((id: number) => unknown)[]> {
  const project = (id: number) => ({ projectId: id });
  return {
    'projects.get': [project],
    'projects.update': [(id) => ({ projectId: id, name: 'renamed' })],
    'imports.preview': [(id) => ({ projectId: id, fileName: 'a.jsonl', content: '{"prompt": "p", "completions": ["a", "b"]}' })],
    'imports.commit': [(id) => ({ projectId: id, fileName: 'a.jsonl', content: '{"prompt": "p", "completions": ["a", "b"]}' })],
    'queue.next': [project, (id) => ({ projectId, excludeTaskIds: [taskId, id] })],
    'queue.progress': [project],
    'annotations.submit': [(id) => ({ clientId: randomUUID(), taskId: id, answer: pairwiseAnswer(), timeSpentMs: 1 })],
    'annotations.submitAndNext': [
      (id) => ({ clientId: randomUUID(), taskId: id, answer: pairwiseAnswer(), timeSpentMs: 1 }),
      (id) => ({ clientId: randomUUID(), taskId, answer: pairwiseAnswer(), timeSpentMs: 1, excludeTaskIds: [id] }),
    ],
    'annotations.skip': [(id) => ({ clientId: randomUUID(), taskId: id, timeSpentMs: 1 })],
    'annotations.flag': [(id) => ({ clientId: randomUUID(), taskId: id, reason: 'spam', timeSpentMs: 1 })],
    'annotations.undo': [project, (id) => ({ projectId, annotationId: id })],
    'annotations.last': [project],
    'annotations.recent': [project],
    'oversee.projectStats': [project],
    'oversee.recentAnnotations': [project, (id) => ({ projectId, cursor: id })],
    'oversee.flaggedTasks': [project],
    'oversee.taskDetail': [(id) => ({ projectId: id, taskId }), (id) => ({ projectId, taskId: id })],
    'oversee.answerCharts': [project],
    'oversee.reopenTask': [(id) => ({ taskId: id })],
    'training.overview': [project],
    'training.round': [(id) => ({ runId: id })],
    'training.startRound': [(id) => ({ projectId: id, config: {} })],
    'training.cancelRound': [(id) => ({ runId: id })],
    'training.compare': [(id) => ({ versionIds: [id] })],
    'training.promote': [(id) => ({ versionId: id })],
    'training.resetToBase': [project],
    'training.generate': [project],
    'training.settings': [project],
    'training.updateSettings': [(id) => ({ projectId: id, autoContinue: false })],
    'training.setSecret': [(id) => ({ projectId: id, name: 'API_KEY', value: 'x' })],
    'training.evaluate': [(id) => ({ projectId: id, versionIds: [1] }), (id) => ({ projectId, versionIds: [id] })],
    'training.job': [(id) => ({ jobId: id })],
    'training.cancelJob': [(id) => ({ jobId: id })],
    'users.auditLog': [(id) => ({ cursor: id })],
    'arena.create': [(id) => ({ projectId: id, versionIds: [1, 2] }), (id) => ({ projectId, versionIds: [1, id] })],
    'arena.list': [project],
    'arena.leaderboard': [project],
    'quality.agreement': [project],
    'quality.annotatorQuality': [project],
    'quality.positionBias': [project],
    'quality.consensusPreview': [project],
    'datasets.list': [project],
    'datasets.get': [(id) => ({ snapshotId: id })],
    'datasets.create': [project],
    'datasets.preview': [(id) => ({ snapshotId: id, format: 'raw' })],
    'datasets.startExport': [(id) => ({ snapshotId: id, format: 'raw', encoding: 'jsonl' })],
    'datasets.exportJobs': [project],
    'gold.list': [project],
    'gold.mark': [
      (id) => ({ projectId: id, taskId, expected: { preference: { type: 'pairwise', choice: 'A' } } }),
      (id) => ({ projectId, taskId: id, expected: { preference: { type: 'pairwise', choice: 'A' } } }),
    ],
    'gold.unmark': [(id) => ({ taskId: id })],
    'gold.import': [(id) => ({ projectId: id, content: `{"taskId": ${taskId}, "expected": {}}` })],
    'gold.settings': [project],
    'gold.updateSettings': [(id) => ({ projectId: id, mixRate: 0.1, accuracyThreshold: 0.8, minGoldAnswers: 5 })],
    'gold.accuracy': [project],
    'gold.resume': [(id) => ({ projectId: id, userId: 'nobody' })],
    'review.next': [project, (id) => ({ projectId, excludeAnnotationIds: [id] })],
    'review.decide': [(id) => ({ annotationId: id, decision: 'ACCEPT' })],
    'review.history': [(id) => ({ annotationId: id })],
  };
}
const TAKES_NO_ID = [
  'datasets.formats',
  'review.projects',
  'session.me',
  'projects.list',
  'projects.create',
  'projects.adminList',
  'training.workers',
  'users.list',
  'users.create',
  'users.setDisabled',
  'users.resetPassword',
  'users.setRole',
  'users.removePersonalData',
  'apiKeys.list',
  'apiKeys.create',
  'apiKeys.revoke',
];

/** A fingerprint of every table the app writes (auth bookkeeping aside), to show a refused call wrote nothing. */
async function databaseFingerprint(): Promise<string> {
  const tables = await db.$queryRaw<{ name: string }[]>`
    SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
      AND table_name NOT IN ('session', 'verification', 'rateLimit', '_prisma_migrations')
    ORDER BY table_name`;
  const parts: string[] = [];
  for (const { name } of tables) {
    const [row] = await db.$queryRawUnsafe<{ digest: string | null; n: bigint }[]>(`SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) AS digest, count(*) AS n FROM "${name}" t`);
    parts.push(`${name}:${row.n}:${row.digest}`);
  }
  return parts.join('\n');
}

async function callByName(caller: unknown, name: string, input: unknown): Promise<TRPCError | null> {
  const fn = name.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller) as (input: unknown) => Promise<unknown>;
  try {
    await fn(input);
    return null;
  } catch (error) {
    if (error instanceof TRPCError) return error;
    throw error;
  }
}

function expectBadRequest(error: TRPCError | null, what: string) {
  expect({ what, code: error?.code }).toEqual({ what, code: 'BAD_REQUEST' });
  expect(error?.message.length, what).toBeGreaterThan(0);
}

describe('bad input is a BAD_REQUEST at the boundary, and writes nothing', () => {
  let admin: TestUser;
  let fixture: Awaited<ReturnType<typeof createQueueProject>>;

  beforeAll(async () => {
    admin = await createSignedInUser('admin');
    const form = { questions: [...FORM_PRESETS.pairwise.questions, { id: 'why', type: 'critique' as const, label: 'Why?' }, { id: 'ideal', type: 'edit' as const, label: 'Ideal answer' }] };
    fixture = await createQueueProject({ taskCount: 2, overlap: 2, form });
  });

  it('every procedure is listed as taking an id or not', () => {
    const procedures = Object.keys(appRouter._def.procedures as Record<string, unknown>).sort();
    expect(procedures).toEqual([...Object.keys(idInputs(1, 1)), ...TAKES_NO_ID].sort());
  });

  it('ids above 2,147,483,647 (and up to 2^53), cursors and excludeTaskIds included', async () => {
    const api = await callerFor(admin);
    // The valid id first: each input is otherwise well-formed, so the id is what gets refused.
    const taskId = fixture.taskIds[0];
    expect((await api.queue.next({ projectId: fixture.projectId }))?.taskId).toBe(taskId);
    const before = await databaseFingerprint();
    for (const [name, inputs] of Object.entries(idInputs(fixture.projectId, taskId))) {
      for (const [index, input] of inputs.entries()) {
        for (const id of TOO_BIG_IDS) expectBadRequest(await callByName(api, name, input(id)), `${name} #${index} with ${id}`);
      }
    }
    expect(await databaseFingerprint()).toBe(before);
  });

  it('NUL and unpaired surrogates in any stored text', async () => {
    const api = await callerFor(admin);
    const { projectId } = fixture;
    const taskId = fixture.taskIds[1];
    const base = fixture.completionIdsByTask.get(taskId)?.[0] ?? -1;
    const likert = (labels: Record<string, string>) => ({ questions: [{ id: 'quality', type: 'likert', label: 'Quality', labels }] });
    const attributes = (label: string) => ({ questions: [{ id: 'scores', type: 'attributes', label: 'Scores', attributes: [{ name: 'helpful', label }] }] });
    const cases: [string, (text: string) => unknown][] = [
      ['projects.create', (text) => ({ name: text, form: FORM_PRESETS.pairwise, completionsPerTask: 2 })],
      ['projects.create', (text) => ({ name: 'ok', guidelines: text, form: FORM_PRESETS.pairwise, completionsPerTask: 2 })],
      ['projects.create', (text) => ({ name: 'ok', form: { questions: [{ id: 'preference', type: 'pairwise', label: text }] }, completionsPerTask: 2 })],
      ['projects.create', (text) => ({ name: 'ok', form: likert({ '1': text }), completionsPerTask: 1 })],
      ['projects.create', (text) => ({ name: 'ok', form: likert({ [text]: 'label' }), completionsPerTask: 1 })],
      ['projects.create', (text) => ({ name: 'ok', form: attributes(text), completionsPerTask: 1 })],
      ['projects.update', (text) => ({ projectId, name: text })],
      ['projects.update', (text) => ({ projectId, guidelines: text })],
      ['annotations.flag', (text) => ({ clientId: randomUUID(), taskId, reason: text, timeSpentMs: 1 })],
      ['annotations.submit', (text) => ({ clientId: randomUUID(), taskId, answer: { ...pairwiseAnswer(), why: { type: 'critique', text } }, timeSpentMs: 1 })],
      ['annotations.submitAndNext', (text) => ({ clientId: randomUUID(), taskId, answer: { ...pairwiseAnswer(), why: { type: 'critique', text } }, timeSpentMs: 1 })],
      ['annotations.submit', (text) => ({ clientId: randomUUID(), taskId, answer: { ...pairwiseAnswer(), ideal: { type: 'edit', text, baseCompletionId: base } }, timeSpentMs: 1 })],
      ['annotations.submit', (text) => ({ clientId: randomUUID(), taskId, answer: { scores: { type: 'attributes', scores: { [String(base)]: { [text]: 1 } } } }, timeSpentMs: 1 })],
      ['imports.preview', (text) => ({ projectId, fileName: text, content: '{"prompt": "p", "completions": ["a", "b"]}' })],
      ['imports.commit', (text) => ({ projectId, fileName: text, content: '{"prompt": "p", "completions": ["a", "b"]}' })],
      ['users.create', (text) => ({ email: `u-${randomUUID().slice(0, 8)}@example.test`, name: text, password: 'correct horse battery', role: 'annotator' })],
      ['users.create', (text) => ({ email: `u-${randomUUID().slice(0, 8)}@example.test`, name: 'ok', password: `long enough ${text}`, role: 'annotator' })],
      ['users.setDisabled', (text) => ({ userId: text, disabled: true })],
      ['users.resetPassword', (text) => ({ userId: text, newPassword: 'correct horse battery' })],
      ['users.setRole', (text) => ({ userId: text, role: 'admin' })],
      ['users.removePersonalData', (text) => ({ userId: text })],
      ['oversee.recentAnnotations', (text) => ({ projectId, userId: text })],
      ['training.setSecret', (text) => ({ projectId, name: 'API_KEY', value: text })],
      ['training.updateSettings', (text) => ({ projectId, roundSchedule: { kind: 'cron', expression: `0 * * * * ${text}` } })],
      ['training.updateSettings', (text) => ({ projectId, generation: { source: { kind: 'openai', baseUrl: 'http://localhost:8000/v1', model: text } } })],
      ['training.updateSettings', (text) => ({ projectId, generation: { source: { kind: 'openai', baseUrl: `http://localhost:8000/v1/${text}`, model: 'm' } } })],
      ['training.updateSettings', (text) => ({ projectId, generation: { sampling: { stop: [text] } } })],
      ['datasets.create', (text) => ({ projectId, name: text })],
      ['datasets.create', (text) => ({ projectId, filters: { questionId: text } })],
      ['review.decide', (text) => ({ annotationId: 1, decision: 'REJECT', reason: text })],
      ['gold.resume', (text) => ({ projectId, userId: text })],
      ['gold.import', (text) => ({ projectId, content: `{"taskId": 1, "expected": {"why": {"type": "critique", "text": "${text}"}}}` })],
    ];
    expect((await api.queue.next({ projectId, excludeTaskIds: [fixture.taskIds[0]] }))?.taskId).toBe(taskId);
    const before = await databaseFingerprint();
    for (const [index, [name, input]] of cases.entries()) {
      for (const [kind, text] of Object.entries(BAD_TEXTS)) {
        const error = await callByName(api, name, input(text));
        expectBadRequest(error, `${name} #${index} with ${kind}`);
        expect(error?.cause, `${name} #${index} with ${kind}: refused by its input schema`).toBeInstanceOf(ZodError);
      }
    }
    expect(await databaseFingerprint()).toBe(before);
    // Control: with a plain text instead, the same inputs pass input validation (so the bad text is what was refused).
    for (const [index, [name, input]] of cases.entries()) {
      const error = await callByName(api, name, input('fine'));
      expect({ what: `${name} #${index}`, isInputError: error?.cause instanceof ZodError }).toEqual({ what: `${name} #${index}`, isInputError: false });
    }
  });

  it('a NUL or unpaired surrogate in an imported prompt or completion is a line error like the others', async () => {
    const api = await callerFor(admin);
    const { projectId } = fixture;
    const lines = [
      JSON.stringify({ prompt: 'fine', completions: ['a', 'b'] }),
      JSON.stringify({ prompt: 'nul \u0000 here', completions: ['a', 'b'] }),
      JSON.stringify({ prompt: 'fine', completions: ['a', 'broken \ud800'] }),
      JSON.stringify({ prompt: [{ role: 'user', content: 'chat \u0000' }], completions: ['a', 'b'] }),
    ];
    const content = lines.join('\n');
    const preview = await api.imports.preview({ projectId, fileName: 'x.jsonl', content });
    expect(preview.isValid).toBe(false);
    expect(preview.errors).toEqual([
      { line: 2, message: '"prompt" contains a NUL character (U+0000)' },
      { line: 3, message: '"completions"[1] contains an unpaired surrogate (broken UTF-16)' },
      { line: 4, message: '"prompt" message 1 contains a NUL character (U+0000)' },
    ]);
    const csv = await api.imports.preview({ projectId, fileName: 'x.csv', content: 'prompt,completion\nfine,a\nfine,"nul \u0000"\n' });
    expect(csv.isValid).toBe(false);
    expect(csv.errors).toContainEqual({ line: 3, message: '"completion" contains a NUL character (U+0000)' });

    const before = await databaseFingerprint();
    const error = await callByName(api, 'imports.commit', { projectId, fileName: 'x.jsonl', content });
    expectBadRequest(error, 'imports.commit');
    expect(error?.message).toMatch(/^Nothing was imported: line 2: "prompt" contains a NUL character/);
    expect(await databaseFingerprint()).toBe(before);
  });
});
