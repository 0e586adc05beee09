/**
 * Training rounds with real worker processes on a real PostgreSQL: a round end to end (ratings →
 * reward model → RL → evaluation → registered versions → promotion → new tasks from the new policy),
 * too little data, cancel, SIGTERM, SIGKILL mid-round, and two workers sharing three rounds.
 * Settings are tiny so each round takes seconds; bench:loop runs the real thing.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/server/db';
import { FORM_PRESETS, ZRatingForm } from '@/lib/forms/schema';
import { ZRoundConfig, type RoundConfigInput } from '@/server/jobs/contracts';
import { createProject } from '@/server/services/projects';
import { parseProblem } from '@/trainer/domain/arithmetic';
import { roundSnapshotFilters, takeSnapshot } from '@/trainer/jobs/snapshot';
import { cancelRound, promoteVersion, queueGeneration, startRound, updateTrainingSettings } from '@/server/services/training-rounds';
import { callerFor, createSignedInUser, type TestUser } from '../helpers/api';
import { startWorkerProcess, temporaryDataDir, waitFor, type WorkerProcess } from '../../scripts/worker-process';
import { createArithmeticProject, rateCorrectly } from './training-fixtures';

const TINY_ROUND: RoundConfigInput = {
  method: 'rl',
  peft: { method: 'lora', rank: 4, alpha: 8, dropout: 0, targets: ['q', 'v'] },
  learningRate: 1e-4,
  epochs: 1,
  batchSize: 8,
  minPairs: 8,
  reward: { learningRate: 1e-4, epochs: 1, batchSize: 8 },
  rl: { samplesPerPrompt: 2, promptsPerIteration: 4, iterations: 1, klCoef: 0.05, clipRange: 0.2, maxNewTokens: 48 },
  evalPrompts: 6,
};

/** A round long enough to interrupt: many reward-model steps of one pair each. */
const SLOW_ROUND: RoundConfigInput = { ...TINY_ROUND, reward: { learningRate: 1e-4, epochs: 40, batchSize: 1 } };

const dataDir = temporaryDataDir();
const workers: WorkerProcess[] = [];
let admin: TestUser;
let annotator: TestUser;

function startWorker(env: Record<string, string> = {}): WorkerProcess {
  const worker = startWorkerProcess({ databaseUrl: process.env.DATABASE_URL as string, dataDir, env });
  workers.push(worker);
  return worker;
}

async function runOf(runId: number) {
  return db.trainingRun.findUniqueOrThrow({ where: { id: runId }, include: { job: true, versions: true } });
}

async function waitForRun(runId: number, statuses: string[], worker?: WorkerProcess, timeoutMs = 180_000) {
  return waitFor(
    `round ${runId} to reach ${statuses.join('/')}`,
    async () => {
      const run = await runOf(runId);
      return statuses.includes(run.status) ? run : undefined;
    },
    { timeoutMs, onTimeout: () => worker?.output().slice(-3000) ?? '' },
  );
}

/** Waits until the round has reported at least `steps` steps of `stage`. */
async function waitForStage(runId: number, stage: string, steps: number, worker: WorkerProcess) {
  return waitFor(
    `round ${runId} to reach ${stage} step ${steps}`,
    async () => {
      const run = await runOf(runId);
      const state = (run.stages as Record<string, { step: number }> | null)?.[stage];
      return state && state.step >= steps ? state : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 100, onTimeout: () => worker.output().slice(-3000) },
  );
}

beforeAll(async () => {
  admin = await createSignedInUser('admin');
  annotator = await createSignedInUser('annotator');
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.kill()));
});

afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('training rounds with real workers', { timeout: 300_000 }, () => {
  it('fails fast with a message that says how many pairs a round needs', async () => {
    const project = await createArithmeticProject({ admin, trainPrompts: 6, heldoutPrompts: 2 });
    await rateCorrectly({ annotator, projectId: project.id, count: 5 });
    const worker = startWorker();
    const { runId } = await startRound({ projectId: project.id, config: { ...TINY_ROUND, minPairs: 64 }, userId: admin.id });
    const run = await waitForRun(runId, ['FAILED', 'SUCCEEDED'], worker);
    expect(run.status).toBe('FAILED');
    expect(run.error).toMatch(/needs at least 64 preference pairs, has \d+/);
    expect(run.job?.attempts).toBe(1);
    expect(run.versions).toHaveLength(0);
  });

  it('runs a round end to end, registers both models, and the promoted policy writes the next tasks', async () => {
    const project = await createArithmeticProject({ admin, trainPrompts: 24, heldoutPrompts: 6 });
    const rated = await rateCorrectly({ annotator, projectId: project.id, count: 30 });
    expect(rated).toBe(30);
    const worker = startWorker();
    const { runId } = await startRound({ projectId: project.id, config: { ...TINY_ROUND, servingQuantization: 'int8' }, userId: admin.id });
    const run = await waitForRun(runId, ['SUCCEEDED', 'FAILED'], worker);
    expect(run.error).toBeNull();
    expect(run.status).toBe('SUCCEEDED');

    // The snapshot froze exactly the rated annotations: 24 train pairs, 6 held out.
    const snapshot = await db.datasetSnapshot.findUniqueOrThrow({ where: { id: run.snapshotId as number } });
    expect(snapshot.counts).toMatchObject({ annotations: 30, trainPairs: 24, heldoutPairs: 6 });
    expect(snapshot.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(await db.snapshotAnnotation.count({ where: { snapshotId: snapshot.id } })).toBe(30);

    // Both versions registered, with complete artifacts, metrics and lineage.
    const policy = run.versions.find((v) => v.kind === 'POLICY');
    const reward = run.versions.find((v) => v.kind === 'REWARD');
    expect(policy?.status).toBe('CANDIDATE');
    for (const version of [policy, reward]) {
      const dir = path.join(dataDir, version?.artifactPath ?? 'missing');
      expect(fs.existsSync(path.join(dir, 'config.json'))).toBe(true);
      expect(fs.statSync(path.join(dir, 'model.safetensors')).size).toBeGreaterThan(1_000_000);
      expect(version?.snapshotId).toBe(snapshot.id);
    }
    expect(reward?.metrics).toMatchObject({ accuracy: expect.any(Number), margin: expect.any(Number) });
    // The int8 serving copy sits inside the policy's artifact, with its size and quality change.
    expect(policy?.quantization).toBe('int8');
    const serving = policy?.metrics as Record<string, number>;
    expect(serving['serving/quantized_bytes']).toBeLessThan(serving['serving/float_bytes'] / 3);
    expect(Math.abs(serving['serving/loss_delta'])).toBeLessThan(0.05);
    expect(fs.existsSync(path.join(dataDir, policy?.artifactPath ?? 'missing', 'serving-int8', 'model.safetensors'))).toBe(true);
    const metrics = run.metrics as { reward: { accuracy: number }; evaluate: Record<string, unknown> };
    expect(metrics.reward.accuracy).toBeGreaterThanOrEqual(0);
    const curves = run.curves as Record<string, [number, number][]>;
    expect(Object.keys(curves).some((k) => k.startsWith('reward/'))).toBe(true);
    expect(Object.keys(curves).some((k) => k.startsWith('policy/'))).toBe(true);
    const stages = run.stages as Record<string, { finishedAt: string | null }>;
    for (const stage of ['snapshot', 'reward', 'policy', 'evaluate', 'register']) expect(stages[stage]?.finishedAt, stage).toBeTruthy();

    // Not active until promoted; promotion with auto-continue queues generation from the new policy.
    expect((await db.project.findUniqueOrThrow({ where: { id: project.id } })).activePolicyId).toBeNull();
    await updateTrainingSettings({
      projectId: project.id,
      autoContinue: true,
      generation: {
        source: { kind: 'policy' },
        sampling: { temperature: 1, topK: 0, topP: 1, maxNewTokens: 48, stop: [], seed: 3 },
        template: 'plain',
        samplesPerPrompt: 2,
        pairSelection: 'disagreement',
        promptsPerJob: 4,
      },
    });
    const promoted = await promoteVersion({ versionId: policy?.id as number, userId: admin.id });
    expect(promoted.generateJobId).not.toBeNull();
    const job = await waitFor(
      'the generate job',
      async () => {
        const j = await db.job.findUniqueOrThrow({ where: { id: promoted.generateJobId as number } });
        return ['SUCCEEDED', 'FAILED'].includes(j.status) ? j : undefined;
      },
      { onTimeout: () => worker.output().slice(-3000) },
    );
    expect(job.error).toBeNull();
    expect(job.result).toMatchObject({ tasks: 4, completions: 8 });

    // The annotator now gets a task whose completions came from the promoted version.
    const task = await (await callerFor(annotator)).queue.next({ projectId: project.id });
    expect(task).not.toBeNull();
    const completions = await db.completion.findMany({ where: { id: { in: task?.completions.map((c) => c.id) } } });
    expect(completions.map((c) => [c.source, c.modelVersion])).toEqual([
      ['MODEL', policy?.name],
      ['MODEL', policy?.name],
    ]);
  });

  it('cancel during training stops within a few steps and registers nothing', async () => {
    const project = await createArithmeticProject({ admin, trainPrompts: 24, heldoutPrompts: 4 });
    await rateCorrectly({ annotator, projectId: project.id, count: 28 });
    const worker = startWorker();
    const { runId } = await startRound({ projectId: project.id, config: SLOW_ROUND, userId: admin.id });
    const reached = await waitForStage(runId, 'reward', 3, worker);
    await cancelRound({ runId });
    const run = await waitForRun(runId, ['CANCELLED', 'SUCCEEDED', 'FAILED'], worker, 60_000);
    expect(run.status).toBe('CANCELLED');
    const stoppedAt = (run.stages as Record<string, { step: number; total: number }>).reward;
    // "Within a few steps": the cancel is read at the next heartbeat (300 ms here) and checked every step.
    expect(stoppedAt.step - reached.step).toBeLessThan(stoppedAt.total / 4);
    expect(stoppedAt.step).toBeLessThan(stoppedAt.total);
    expect(run.versions).toHaveLength(0);
    expect(await db.modelVersion.count({ where: { projectId: project.id } })).toBe(0);
  });

  it('SIGKILL of the worker mid-round: no half-written version, the active model unchanged, the round retried to completion', async () => {
    const project = await createArithmeticProject({ admin, trainPrompts: 24, heldoutPrompts: 4 });
    await rateCorrectly({ annotator, projectId: project.id, count: 28 });
    const first = startWorker();
    const { runId } = await startRound({ projectId: project.id, config: { ...SLOW_ROUND, reward: { learningRate: 1e-4, epochs: 4, batchSize: 1 } }, userId: admin.id });
    await waitForStage(runId, 'reward', 5, first);
    await first.kill();

    const lost = await runOf(runId);
    expect(lost.status).toBe('RUNNING');
    expect(lost.versions).toHaveLength(0);
    expect((await db.project.findUniqueOrThrow({ where: { id: project.id } })).activePolicyId).toBeNull();

    const second = startWorker();
    const run = await waitForRun(runId, ['SUCCEEDED', 'FAILED'], second, 240_000);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.job?.attempts).toBe(2);
    expect(second.output()).toMatch(new RegExp(`job ${run.jobId} \\(training_round\\) lost its worker: queued again`));
    expect(run.versions.map((v) => v.kind).sort()).toEqual(['POLICY', 'REWARD']);
    expect(await db.modelVersion.count({ where: { projectId: project.id } })).toBe(2);
    expect((await db.project.findUniqueOrThrow({ where: { id: project.id } })).activePolicyId).toBeNull();
    // The dead attempt's scratch directory was cleaned up by the retry.
    expect(fs.readdirSync(path.join(dataDir, 'scratch')).filter((d) => d.startsWith(`run-${runId}-`)).length).toBeLessThanOrEqual(1);
  });

  it('SIGTERM finishes the current step, hands the round back without spending an attempt, and exits', async () => {
    const project = await createArithmeticProject({ admin, trainPrompts: 24, heldoutPrompts: 4 });
    await rateCorrectly({ annotator, projectId: project.id, count: 28 });
    const worker = startWorker();
    const { runId } = await startRound({ projectId: project.id, config: SLOW_ROUND, userId: admin.id });
    await waitForStage(runId, 'reward', 2, worker);
    const started = Date.now();
    expect(await worker.stop()).toBe(0);
    expect(Date.now() - started).toBeLessThan(20_000);
    const run = await runOf(runId);
    expect(run.status).toBe('QUEUED');
    expect(run.job?.status).toBe('QUEUED');
    expect(run.job?.attempts).toBe(0);
    expect(worker.output()).toMatch(/handed back to the queue/);
    await cancelRound({ runId }); // leave nothing queued for the next test
  });

  it('two workers, three queued rounds: each round runs exactly once', async () => {
    const project = await createArithmeticProject({ admin, trainPrompts: 24, heldoutPrompts: 4 });
    await rateCorrectly({ annotator, projectId: project.id, count: 28 });
    const runIds = [];
    for (let i = 0; i < 3; i++) runIds.push((await startRound({ projectId: project.id, config: { ...TINY_ROUND, seed: i + 1 }, userId: admin.id })).runId);
    const pair = [startWorker(), startWorker()];
    for (const runId of runIds) await waitForRun(runId, ['SUCCEEDED', 'FAILED'], pair[0], 300_000);
    const runs = await Promise.all(runIds.map(runOf));
    expect(runs.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(runs.map((r) => r.job?.attempts)).toEqual([1, 1, 1]);
    expect(await db.modelVersion.count({ where: { projectId: project.id } })).toBe(6);
    // Each job started once, in one of the two workers' logs.
    const logs = pair.map((w) => w.output()).join('\n');
    for (const run of runs) expect(logs.match(new RegExp(`job ${run.jobId} \\(training_round\\) started`, 'g'))).toHaveLength(1);
  });

  it('a round with majority labels, a minimum agreement and confidence weights: its snapshot carries those filters and its pairs the hand-computed weights', async () => {
    // 8 tasks (6 train prompts, 2 held out), each rated by three annotators. Two always choose the
    // correct answer; the third dissents on tasks with an even id. By hand: the majority label is
    // the correct answer everywhere, agreement is 3/3 or 2/3 (both >= 60%), and the majority's
    // confidence, its share of the votes, is 1 on unanimous tasks and 2/3 on the others.
    const project = await createArithmeticProject({ admin, trainPrompts: 6, heldoutPrompts: 2 });
    await db.project.update({ where: { id: project.id }, data: { overlap: 3 } });
    const raters = [annotator, await createSignedInUser('annotator'), await createSignedInUser('annotator')];
    const dissents = (taskId: number) => taskId % 2 === 0;
    for (const [i, rater] of raters.entries()) {
      const caller = await callerFor(rater);
      for (let task = await caller.queue.next({ projectId: project.id }); task; task = await caller.queue.next({ projectId: project.id })) {
        const problem = parseProblem(task.prompt.text);
        const expected = problem ? String(problem.op === '+' ? problem.a + problem.b : problem.op === '-' ? problem.a - problem.b : problem.a * problem.b) : '';
        const aIsCorrect = task.completions[0].text.endsWith(`Answer: ${expected}`);
        const choosesCorrect = i < 2 || !dissents(task.taskId);
        await caller.annotations.submit({
          clientId: randomUUID(),
          taskId: task.taskId,
          answer: { preference: { type: 'pairwise', choice: aIsCorrect === choosesCorrect ? 'A' : 'B' } },
          timeSpentMs: 1000,
        });
      }
    }
    const tasks = await db.task.findMany({ where: { projectId: project.id }, select: { id: true, completionIds: true, prompt: { select: { text: true } } } });
    expect(tasks).toHaveLength(8);
    expect(await db.annotation.count({ where: { projectId: project.id, status: 'SUBMITTED' } })).toBe(24);
    const expectedWeight = new Map(tasks.map((t) => [t.id, dissents(t.id) ? 2 / 3 : 1]));
    expect(new Set(expectedWeight.values())).toEqual(new Set([1, 2 / 3]));

    const worker = startWorker();
    const config: RoundConfigInput = { ...TINY_ROUND, method: 'dpo', minPairs: 4, labelSource: 'majority', minAgreement: 0.6, weightByConfidence: true };
    const { runId } = await startRound({ projectId: project.id, config, userId: admin.id });
    expect((await runOf(runId)).config).toMatchObject({ labelSource: 'majority', minAgreement: 0.6, weightByConfidence: true });
    const run = await waitForRun(runId, ['SUCCEEDED', 'FAILED'], worker);
    expect(run.error).toBeNull();
    expect(run.status).toBe('SUCCEEDED');

    // The snapshot was taken with the round's options, under the snapshot API's filter names.
    const snapshot = await db.datasetSnapshot.findUniqueOrThrow({ where: { id: run.snapshotId as number } });
    expect(snapshot.filters).toMatchObject({ labelSource: 'majority', minAgreement: 0.6, weightByConfidence: true, weightQuestionId: 'preference', split: { mode: 'prompt' } });
    // One answer per task (the majority's), 6 train pairs and 2 held out.
    expect(snapshot.counts).toMatchObject({ annotations: 8, trainPairs: 6, heldoutPairs: 2 });

    // The pairs the trainer read (its own reader, on the snapshot the round froze) carry the weights.
    const data = await takeSnapshot(db, { projectId: project.id, snapshotId: snapshot.id, createdById: admin.id });
    expect(data.snapshotId).toBe(snapshot.id);
    const annotations = await db.annotation.findMany({ where: { projectId: project.id }, select: { id: true, taskId: true } });
    const taskOf = new Map(annotations.map((a) => [a.id, a.taskId]));
    const pairs = [...data.trainPairs, ...data.heldoutPairs];
    expect(pairs).toHaveLength(8);
    expect(new Set(pairs.map((p) => taskOf.get(p.annotationId))).size).toBe(8);
    for (const pair of pairs) {
      const taskId = taskOf.get(pair.annotationId) as number;
      expect(pair.weight).toBeCloseTo(expectedWeight.get(taskId) as number, 6);
      // The majority's label: the correct answer is the chosen one.
      const task = tasks.find((t) => t.id === taskId);
      const problem = parseProblem(task?.prompt.text ?? '');
      const expected = problem ? String(problem.op === '+' ? problem.a + problem.b : problem.op === '-' ? problem.a - problem.b : problem.a * problem.b) : '';
      expect(pair.chosen.endsWith(`Answer: ${expected}`)).toBe(true);
    }
    expect(pairs.filter((p) => p.weight < 1)).toHaveLength([...expectedWeight.values()].filter((w) => w < 1).length);
  });

  it('refuses data options the form cannot serve, and old configs without them still start unweighted rounds on every answer', async () => {
    const likert = await createProject({
      name: `Likert ${randomUUID().slice(0, 6)}`,
      guidelines: '',
      form: ZRatingForm.parse(FORM_PRESETS.likert),
      overlap: 1,
      completionsPerTask: 2,
      leaseSeconds: 900,
      undoSeconds: 0,
      createdById: admin.id,
    });
    await expect(startRound({ projectId: likert.id, config: { ...TINY_ROUND, labelSource: 'majority' }, userId: admin.id })).rejects.toThrow('Consensus labels need a pairwise question in the form');
    await expect(startRound({ projectId: likert.id, config: { ...TINY_ROUND, minAgreement: 0.5 }, userId: admin.id })).rejects.toThrow('A minimum agreement needs a pairwise or ranking question');
    await expect(startRound({ projectId: likert.id, config: { ...TINY_ROUND, weightByConfidence: true }, userId: admin.id })).rejects.toThrow(
      'Weighting by confidence needs a pairwise or ranking question',
    );
    expect(await db.trainingRun.count({ where: { projectId: likert.id } })).toBe(0);
    const { runId } = await startRound({ projectId: likert.id, config: TINY_ROUND, userId: admin.id });
    expect((await runOf(runId)).config).toMatchObject({ labelSource: 'all', minAgreement: null, weightByConfidence: false });
    expect(roundSnapshotFilters(ZRoundConfig.parse(TINY_ROUND))).toEqual({ split: { mode: 'prompt' } });
    await cancelRound({ runId }); // no worker runs it
  });

  it('generation with the built-in base model creates tasks with the stored display order', async () => {
    const project = await createArithmeticProject({ admin, trainPrompts: 4, heldoutPrompts: 0 });
    // Every imported prompt already has an open task: rate them so the generator may add more.
    await rateCorrectly({ annotator, projectId: project.id, count: 4 });
    startWorker();
    const { id } = await queueGeneration({
      projectId: project.id,
      userId: admin.id,
      settings: {
        source: { kind: 'policy' },
        sampling: { temperature: 1, topK: 0, topP: 1, maxNewTokens: 40, stop: [], seed: 1 },
        template: 'plain',
        samplesPerPrompt: 3,
        pairSelection: 'disagreement',
        promptsPerJob: 10,
      },
    });
    const job = await waitFor('the generate job', async () => {
      const j = await db.job.findUniqueOrThrow({ where: { id } });
      return ['SUCCEEDED', 'FAILED'].includes(j.status) ? j : undefined;
    });
    expect(job.error).toBeNull();
    const tasks = await db.task.findMany({ where: { projectId: project.id, status: 'OPEN' }, include: { prompt: true } });
    expect(tasks).toHaveLength(4);
    for (const task of tasks) {
      expect(task.completionIds).toHaveLength(2);
      const completions = await db.completion.findMany({ where: { id: { in: task.completionIds } } });
      expect(completions.every((c) => c.source === 'MODEL' && c.modelVersion === 'built-in base model' && c.promptId === task.promptId)).toBe(true);
    }
  });
});
