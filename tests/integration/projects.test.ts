import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/server/db';
import { FORM_PRESETS } from '@/lib/forms/schema';
import { type TestUser, callerFor, catchTrpcError, createSignedInUser } from '../helpers/api';

let admin: TestUser;
let annotator: TestUser;

const pairwise = { name: 'Pairwise', guidelines: '# Be kind\nPrefer **helpful** answers.', form: FORM_PRESETS.pairwise, overlap: 2, completionsPerTask: 2 };

async function importPairs(projectId: number, count: number) {
  const content = Array.from({ length: count }, (_, i) => JSON.stringify({ prompt: `q${i}`, completions: [`a${i}`, `b${i}`] })).join('\n');
  return (await callerFor(admin)).imports.commit({ projectId, fileName: 'pairs.jsonl', content });
}

async function addAnnotation(options: { taskId: number; projectId: number; userId: string; status: 'SUBMITTED' | 'SKIPPED' | 'FLAGGED' }) {
  await db.annotation.create({ data: { clientId: randomUUID(), ...options, answer: options.status === 'SUBMITTED' ? { preference: { type: 'pairwise', choice: 'A' } } : undefined } });
  if (options.status === 'SUBMITTED') await db.task.update({ where: { id: options.taskId }, data: { submittedCount: { increment: 1 } } });
}

beforeAll(async () => {
  admin = await createSignedInUser('admin');
  annotator = await createSignedInUser('annotator');
});

describe('projects.create', () => {
  it('creates a project with defaults for the lease and undo windows', async () => {
    const project = await (await callerFor(admin)).projects.create(pairwise);
    expect(project).toMatchObject({ name: 'Pairwise', overlap: 2, completionsPerTask: 2, leaseSeconds: 900, undoSeconds: 300 });
    expect(project.form.questions[0]).toMatchObject({ id: 'preference', type: 'pairwise', allowTie: true, allowBothBad: true });
    expect(await db.project.findUniqueOrThrow({ where: { id: project.id }, select: { createdById: true } })).toEqual({ createdById: admin.id });
  });

  it('rejects a form that does not fit the completions per task', async () => {
    const caller = await callerFor(admin);
    const error = await catchTrpcError(caller.projects.create({ ...pairwise, completionsPerTask: 3 }));
    expect(error).toMatchObject({ code: 'BAD_REQUEST', message: 'A pairwise question needs exactly 2 completions per task' });
    expect((await catchTrpcError(caller.projects.create({ ...pairwise, form: FORM_PRESETS.ranking, completionsPerTask: 1 }))).code).toBe('BAD_REQUEST');
  });

  it('validates overlap (1..20), guidelines (100k) and the form itself', async () => {
    const caller = await callerFor(admin);
    for (const overlap of [0, 21, 1.5]) expect((await catchTrpcError(caller.projects.create({ ...pairwise, overlap }))).code).toBe('BAD_REQUEST');
    expect((await catchTrpcError(caller.projects.create({ ...pairwise, guidelines: 'x'.repeat(100_001) }))).code).toBe('BAD_REQUEST');
    expect(await caller.projects.create({ ...pairwise, guidelines: 'x'.repeat(100_000) })).toMatchObject({ guidelines: expect.any(String) });
    const duplicate = { questions: [FORM_PRESETS.pairwise.questions[0], FORM_PRESETS.pairwise.questions[0]] };
    expect((await catchTrpcError(caller.projects.create({ ...pairwise, form: duplicate }))).code).toBe('BAD_REQUEST');
    expect((await catchTrpcError(caller.projects.create({ ...pairwise, name: '   ' }))).code).toBe('BAD_REQUEST');
  });
});

describe('projects.update', () => {
  it('changes only the fields it names', async () => {
    const caller = await callerFor(admin);
    const project = await caller.projects.create(pairwise);
    const updated = await caller.projects.update({ projectId: project.id, name: 'Renamed' });
    expect(updated).toMatchObject({ name: 'Renamed', guidelines: pairwise.guidelines, overlap: 2, completionsPerTask: 2 });
  });

  it('keeps completions per task once tasks exist, and question ids and types once answers exist', async () => {
    const caller = await callerFor(admin);
    const project = await caller.projects.create({ ...pairwise, form: FORM_PRESETS.likert, completionsPerTask: 2 });
    await importPairs(project.id, 2);
    expect((await catchTrpcError(caller.projects.update({ projectId: project.id, completionsPerTask: 1 }))).code).toBe('CONFLICT');
    // Before any answer the form may change freely.
    await caller.projects.update({ projectId: project.id, form: FORM_PRESETS.thumbs });
    const task = await db.task.findFirstOrThrow({ where: { projectId: project.id }, select: { id: true } });
    await addAnnotation({ taskId: task.id, projectId: project.id, userId: annotator.id, status: 'SKIPPED' });
    expect((await catchTrpcError(caller.projects.update({ projectId: project.id, form: FORM_PRESETS.likert }))).code).toBe('CONFLICT');
    const relabelled = await caller.projects.update({ projectId: project.id, form: { questions: [{ ...FORM_PRESETS.thumbs.questions[0], label: 'Acceptable?' }] } });
    expect(relabelled.form.questions[0].label).toBe('Acceptable?');
  });

  it('a new overlap re-evaluates which tasks are done (flagged tasks stay flagged)', async () => {
    const caller = await callerFor(admin);
    const project = await caller.projects.create(pairwise);
    await importPairs(project.id, 3);
    const [t1, , t3] = await db.task.findMany({ where: { projectId: project.id }, orderBy: { id: 'asc' }, select: { id: true } });
    await addAnnotation({ taskId: t1.id, projectId: project.id, userId: annotator.id, status: 'SUBMITTED' });
    await addAnnotation({ taskId: t3.id, projectId: project.id, userId: annotator.id, status: 'SUBMITTED' });
    await db.task.update({ where: { id: t3.id }, data: { status: 'FLAGGED' } });
    await caller.projects.update({ projectId: project.id, overlap: 1 });
    const statuses = async () => (await db.task.findMany({ where: { projectId: project.id }, orderBy: { id: 'asc' }, select: { status: true } })).map((t) => t.status);
    expect(await statuses()).toEqual(['DONE', 'OPEN', 'FLAGGED']);
    await caller.projects.update({ projectId: project.id, overlap: 2 });
    expect(await statuses()).toEqual(['OPEN', 'OPEN', 'FLAGGED']);
  });

  it('an unknown project is NOT_FOUND', async () => {
    expect((await catchTrpcError((await callerFor(admin)).projects.update({ projectId: 987_654, name: 'x' }))).code).toBe('NOT_FOUND');
  });
});

describe('project lists', () => {
  it('adminList counts prompts, tasks by status and annotations by status', async () => {
    const caller = await callerFor(admin);
    const project = await caller.projects.create({ ...pairwise, name: 'Counted' });
    await importPairs(project.id, 4);
    const tasks = await db.task.findMany({ where: { projectId: project.id }, orderBy: { id: 'asc' }, select: { id: true } });
    await addAnnotation({ taskId: tasks[0].id, projectId: project.id, userId: annotator.id, status: 'SUBMITTED' });
    await addAnnotation({ taskId: tasks[1].id, projectId: project.id, userId: annotator.id, status: 'FLAGGED' });
    await db.task.update({ where: { id: tasks[1].id }, data: { status: 'FLAGGED' } });
    const row = (await caller.projects.adminList()).find((p) => p.id === project.id);
    expect(row).toMatchObject({
      name: 'Counted',
      promptCount: 4,
      taskCounts: { total: 4, open: 3, done: 0, flagged: 1 },
      annotationCounts: { total: 2, submitted: 1, skipped: 0, flagged: 1 },
    });
  });

  it('an annotator sees every project with the open tasks left for them, and nothing else', async () => {
    const caller = await callerFor(admin);
    const project = await caller.projects.create({ ...pairwise, name: 'For annotators' });
    await importPairs(project.id, 3);
    const tasks = await db.task.findMany({ where: { projectId: project.id }, orderBy: { id: 'asc' }, select: { id: true } });
    await addAnnotation({ taskId: tasks[0].id, projectId: project.id, userId: annotator.id, status: 'SKIPPED' });
    const other = await createSignedInUser('annotator');
    await addAnnotation({ taskId: tasks[1].id, projectId: project.id, userId: other.id, status: 'SUBMITTED' });

    const mine = (await (await callerFor(annotator)).projects.list()).find((p) => p.id === project.id);
    expect(mine).toEqual({ id: project.id, name: 'For annotators', completionsPerTask: 2, tasksLeft: 2 });
    const theirs = (await (await callerFor(other)).projects.list()).find((p) => p.id === project.id);
    expect(theirs?.tasksLeft).toBe(2);

    const detail = await (await callerFor(annotator)).projects.get({ projectId: project.id });
    expect(Object.keys(detail).sort()).toEqual(['completionsPerTask', 'form', 'guidelines', 'id', 'name']);
    expect(detail).toMatchObject({ guidelines: pairwise.guidelines, form: { questions: [{ type: 'pairwise' }] } });
    expect((await catchTrpcError((await callerFor(annotator)).projects.get({ projectId: 987_654 }))).code).toBe('NOT_FOUND');
  });

  it('annotators cannot create, change or list projects as an admin', async () => {
    const caller = await callerFor(annotator);
    expect((await catchTrpcError(caller.projects.create(pairwise))).code).toBe('FORBIDDEN');
    expect((await catchTrpcError(caller.projects.update({ projectId: 1, name: 'x' }))).code).toBe('FORBIDDEN');
    expect((await catchTrpcError(caller.projects.adminList())).code).toBe('FORBIDDEN');
  });
});
