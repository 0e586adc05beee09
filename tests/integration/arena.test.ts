/**
 * Arenas with a real worker process on a real PostgreSQL: three policy versions answer the same
 * held-out prompts, the tasks pair two different versions blind, annotators vote through the API
 * with a known pattern, and the leaderboard matches a reference fit computed here, with the
 * win-rate matrix equal to the hand counts. Versions are copies of the built-in base model (the
 * arena's mechanics do not depend on what the weights are); settings are tiny so the job takes seconds.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/server/db';
import { ZGenerationSettings } from '@/server/jobs/contracts';
import { FORM_PRESETS, ZRatingForm } from '@/lib/forms/schema';
import { createProject } from '@/server/services/projects';
import { updateTrainingSettings } from '@/server/services/training-rounds';
import { generateCorpus } from '@/trainer/domain/arithmetic';
import { BASE_MODEL_DIR } from '@/trainer/jobs/artifacts';
import { callerFor, catchTrpcError, createSignedInUser, type TestUser } from '../helpers/api';
import { startWorkerProcess, temporaryDataDir, waitFor, type WorkerProcess } from '../../scripts/worker-process';

const dataDir = temporaryDataDir();
let worker: WorkerProcess | null = null;
let admin: TestUser;
const annotators: TestUser[] = [];

/** A policy version whose artifact is a copy of the built-in base model. */
async function registerVersion(projectId: number, name: string): Promise<number> {
  const relative = `models/test-${name}`;
  fs.cpSync(BASE_MODEL_DIR, path.join(dataDir, relative), { recursive: true });
  const row = await db.modelVersion.create({
    data: { projectId, kind: 'POLICY', name, config: {}, metrics: { accuracy: 0.5 }, artifactPath: relative, format: 'full', sizeBytes: 1 },
    select: { id: true },
  });
  return row.id;
}

/**
 * The reference: plain gradient ascent on the same penalised likelihood (prior 0.01, ties half a
 * win), written independently of lib/stats, run to a tiny gradient; scores 1000 + 400/ln10 · β.
 */
function referenceScores(names: string[], outcomes: Map<string, { wins: number; losses: number; ties: number }>): Record<string, number> {
  const beta = names.map(() => 0);
  const effective = (i: number, j: number) => {
    const cell = outcomes.get(`${names[i]}|${names[j]}`);
    return (cell?.wins ?? 0) + (cell?.ties ?? 0) / 2;
  };
  for (let step = 0; step < 200_000; step += 1) {
    const gradient = beta.map((b, i) => {
      let g = -0.01 * b;
      for (let j = 0; j < names.length; j += 1) {
        if (i === j) continue;
        const p = 1 / (1 + Math.exp(beta[j] - b));
        g += effective(i, j) * (1 - p) - effective(j, i) * p;
      }
      return g;
    });
    beta.forEach((_, i) => {
      beta[i] += 0.01 * gradient[i];
    });
    if (Math.max(...gradient.map(Math.abs)) < 1e-10) break;
  }
  return Object.fromEntries(names.map((name, i) => [name, 1000 + (400 / Math.log(10)) * beta[i]]));
}

beforeAll(async () => {
  admin = await createSignedInUser('admin');
  for (let i = 0; i < 3; i += 1) annotators.push(await createSignedInUser('annotator'));
});

afterAll(async () => {
  await worker?.kill();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('arena of model versions', { timeout: 180_000 }, () => {
  it('only admins of a pairwise project with policy versions can start one', async () => {
    const likert = await createProject({
      name: 'Likert arena',
      guidelines: '',
      form: ZRatingForm.parse(FORM_PRESETS.likert),
      overlap: 1,
      completionsPerTask: 1,
      leaseSeconds: 900,
      undoSeconds: 0,
      createdById: admin.id,
    });
    const a = await registerVersion(likert.id, 'likert-a');
    const b = await registerVersion(likert.id, 'likert-b');
    const api = await callerFor(admin);
    const refused = await catchTrpcError(api.arena.create({ projectId: likert.id, versionIds: [a, b] }));
    expect(refused.code).toBe('BAD_REQUEST');
    expect(refused.message).toMatch(/pairwise project/);
    expect((await catchTrpcError(api.arena.create({ projectId: likert.id, versionIds: [a, a] }))).message).toMatch(/two different versions/);
    expect((await catchTrpcError((await callerFor(annotators[0])).arena.leaderboard({ projectId: likert.id }))).code).toBe('FORBIDDEN');
    expect(await db.arena.count({ where: { projectId: likert.id } })).toBe(0);
  });

  it('pairs versions blind on the same prompts, and the leaderboard matches a reference fit of the votes', async () => {
    const project = await createProject({
      name: 'Arena project',
      guidelines: 'Pick the better answer.',
      form: ZRatingForm.parse(FORM_PRESETS.pairwise),
      overlap: 3,
      completionsPerTask: 2,
      leaseSeconds: 900,
      undoSeconds: 0,
      createdById: admin.id,
    });
    const corpus = [
      ...generateCorpus({ count: 6, seed: 3, split: 'train' }).map((e) => ({ text: e.prompt, split: 'TRAIN' as const })),
      ...generateCorpus({ count: 4, seed: 3, split: 'heldout' }).map((e) => ({ text: e.prompt, split: 'HELDOUT' as const })),
    ];
    await db.prompt.createMany({ data: corpus.map((p) => ({ projectId: project.id, text: p.text, split: p.split, source: 'test' })) });
    await updateTrainingSettings({ projectId: project.id, generation: ZGenerationSettings.parse({ sampling: { maxNewTokens: 20, seed: 5 } }) });
    const names = ['alpha', 'beta', 'gamma'];
    const ids: number[] = [];
    for (const name of names) ids.push(await registerVersion(project.id, name));
    const nameOf = new Map(ids.map((id, i) => [id, names[i]]));

    const api = await callerFor(admin);
    // Before any arena: no version is in one.
    expect((await api.arena.leaderboard({ projectId: project.id })).versions).toEqual([]);
    const started = await api.arena.create({ projectId: project.id, versionIds: ids, settings: { promptSplit: 'heldout', prompts: 4, pairing: 'all' }, name: 'Three-way' });
    worker = startWorkerProcess({ databaseUrl: process.env.DATABASE_URL as string, dataDir });
    const job = await waitFor(
      'the arena job',
      async () => {
        const j = await db.job.findUniqueOrThrow({ where: { id: started.jobId } });
        return ['SUCCEEDED', 'FAILED'].includes(j.status) ? j : undefined;
      },
      { onTimeout: () => worker?.output().slice(-3000) ?? '' },
    );
    expect(job.error).toBeNull();
    expect(job.kind).toBe('arena');
    // 4 held-out prompts × 3 pairs of versions; one completion per version per prompt.
    expect(job.result).toMatchObject({ prompts: 4, tasks: 12, completions: 12 });

    const tasks = await db.task.findMany({ where: { projectId: project.id }, orderBy: { id: 'asc' } });
    expect(tasks).toHaveLength(12);
    const heldout = new Set((await db.prompt.findMany({ where: { projectId: project.id, split: 'HELDOUT' }, select: { id: true } })).map((p) => p.id));
    const pairsSeen = new Map<string, number>();
    for (const task of tasks) {
      expect(task.arenaId).toBe(started.arenaId);
      expect(heldout.has(task.promptId)).toBe(true);
      const completions = await db.completion.findMany({ where: { id: { in: task.completionIds } } });
      expect(completions).toHaveLength(2);
      expect(completions.every((c) => c.promptId === task.promptId && c.source === 'MODEL')).toBe(true);
      // In display order: the task names the versions of its completions, position by position.
      const inOrder = task.completionIds.map((id) => completions.find((c) => c.id === id)?.modelVersionId);
      expect(task.arenaVersionIds).toEqual(inOrder);
      const versions = completions.map((c) => nameOf.get(c.modelVersionId ?? 0));
      expect(versions[0]).not.toBe(versions[1]);
      const key = [...versions].sort().join('|');
      pairsSeen.set(key, (pairsSeen.get(key) ?? 0) + 1);
    }
    // Every pair of versions on every prompt.
    expect(Object.fromEntries(pairsSeen)).toEqual({ 'alpha|beta': 4, 'alpha|gamma': 4, 'beta|gamma': 4 });

    // The votes: a fixed sequence of outcomes per ordered pair (first name sorted), handed out as tasks come.
    const PATTERN: Record<string, ('first' | 'second' | 'tie' | 'both_bad')[]> = {
      'alpha|beta': ['first', 'first', 'second', 'first', 'tie', 'first', 'first', 'second', 'first', 'first', 'both_bad', 'first'],
      'alpha|gamma': ['first', 'first', 'first', 'first', 'first', 'second', 'first', 'first', 'first', 'first', 'first', 'tie'],
      'beta|gamma': ['second', 'first', 'first', 'tie', 'first', 'second', 'first', 'second', 'first', 'first', 'tie', 'first'],
    };
    const used = new Map<string, number>();
    // Hand counts, by ordered (row, column) version name: wins, losses, ties of the row version.
    const hand = new Map<string, { wins: number; losses: number; ties: number }>();
    const count = (row: string, column: string, field: 'wins' | 'losses' | 'ties') => {
      const cell = hand.get(`${row}|${column}`) ?? { wins: 0, losses: 0, ties: 0 };
      cell[field] += 1;
      hand.set(`${row}|${column}`, cell);
    };
    for (const annotator of annotators) {
      const caller = await callerFor(annotator);
      for (;;) {
        const task = await caller.queue.next({ projectId: project.id });
        if (!task) break;
        // Blind: the annotator's payload names no version, only ids and texts.
        const payload = JSON.stringify(task);
        for (const name of names) expect(payload).not.toContain(name);
        expect(task.completions.map((c) => Object.keys(c).sort())).toEqual([
          ['id', 'text'],
          ['id', 'text'],
        ]);
        // Shown in the task's stored display order.
        const stored = await db.task.findUniqueOrThrow({ where: { id: task.taskId } });
        expect(task.completions.map((c) => c.id)).toEqual(stored.completionIds);
        const shown = await Promise.all(task.completions.map(async (c) => nameOf.get((await db.completion.findUniqueOrThrow({ where: { id: c.id } })).modelVersionId ?? 0) as string));
        const [first, second] = [...shown].sort();
        const key = `${first}|${second}`;
        const index = used.get(key) ?? 0;
        used.set(key, index + 1);
        const outcome = PATTERN[key][index];
        const winner = outcome === 'first' ? first : outcome === 'second' ? second : null;
        const choice = winner === null ? (outcome === 'tie' ? 'tie' : 'both_bad') : shown[0] === winner ? 'A' : 'B';
        if (winner === null) {
          count(first, second, 'ties');
          count(second, first, 'ties');
        } else {
          const loser = winner === first ? second : first;
          count(winner, loser, 'wins');
          count(loser, winner, 'losses');
        }
        await caller.annotations.submit({ clientId: randomUUID(), taskId: task.taskId, answer: { preference: { type: 'pairwise', choice } }, timeSpentMs: 800 });
      }
    }
    expect(Object.fromEntries(used)).toEqual({ 'alpha|beta': 12, 'alpha|gamma': 12, 'beta|gamma': 12 });

    const board = await api.arena.leaderboard({ projectId: project.id });
    expect(board.votes).toBe(36);
    const reference = referenceScores(names, hand);
    // Ranked by score, each score equal to the reference fit's, inside its interval.
    expect(board.versions.map((v) => v.name)).toEqual([...names].sort((x, y) => reference[y] - reference[x]));
    for (const version of board.versions) {
      expect(version.score).toBeCloseTo(reference[version.name], 3);
      expect(version.lower as number).toBeLessThan(version.score as number);
      expect(version.upper as number).toBeGreaterThan(version.score as number);
      const rows = names.filter((n) => n !== version.name).map((other) => hand.get(`${version.name}|${other}`) ?? { wins: 0, losses: 0, ties: 0 });
      expect({ wins: version.wins, losses: version.losses, ties: version.ties, games: version.games }).toEqual({
        wins: rows.reduce((s, r) => s + r.wins, 0),
        losses: rows.reduce((s, r) => s + r.losses, 0),
        ties: rows.reduce((s, r) => s + r.ties, 0),
        games: 24,
      });
    }
    // Win-rate matrix, row beats column: the hand counts, winRate over decisive votes.
    // alpha–beta: alpha won 8, lost 2, 2 ties (one "both bad"); alpha–gamma 10/1/1; beta–gamma 7/3/2.
    expect(hand.get('alpha|beta')).toEqual({ wins: 8, losses: 2, ties: 2 });
    expect(hand.get('alpha|gamma')).toEqual({ wins: 10, losses: 1, ties: 1 });
    expect(hand.get('beta|gamma')).toEqual({ wins: 7, losses: 3, ties: 2 });
    board.versions.forEach((row, r) => {
      board.versions.forEach((column, c) => {
        const cell = board.matrix[r][c];
        if (r === c) return expect(cell).toBeNull();
        const expected = hand.get(`${row.name}|${column.name}`) as { wins: number; losses: number; ties: number };
        expect(cell).toEqual({ ...expected, games: 12, winRate: expected.wins / (expected.wins + expected.losses) });
      });
    });

    // The arena list: the job's outcome and the votes.
    const [listed] = await api.arena.list({ projectId: project.id });
    expect(listed).toMatchObject({ id: started.arenaId, name: 'Three-way', tasks: 12, votes: 36, doneTasks: 12, versions: names.map((name, i) => ({ id: ids[i], name })) });
    expect(listed.job?.status).toBe('SUCCEEDED');
  });
});
