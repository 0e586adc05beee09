/**
 * The training-round job: snapshot → reward model → policy → evaluate → register.
 *
 * The machine learning lives in trainer/round/pipeline.ts; this handler feeds it the project's
 * data, turns its progress into the run's stages, ETA and live curves (written to the database at
 * most once a second, not once a step), and registers the results.
 *
 * Safety:
 * - a retried round (its first worker died) reuses the snapshot the first attempt froze and starts
 *   the training stages again in a fresh scratch directory;
 * - nothing is registered until both artifacts are completely written and moved into the store,
 *   and registration happens in one transaction that first checks this worker still holds the job
 *   (a reaped job's old worker cannot register a second copy);
 * - a failed or cancelled round changes no model version and leaves the active policy as it was.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Prisma } from '../../server/generated/prisma/client';
import { ZRoundConfig, ZTrainingRoundPayload, type RoundStage } from '../../server/jobs/contracts';
import type { PromptContent } from '../../server/jobs/training-data';
import { generateCorpus } from '../domain/arithmetic';
import { builtinJudgeFor } from './domain-judge';
import type { ChatMessage } from '../model/chat-template';
import { promptText } from '../train/evaluate';
import { RoundCancelledError, RoundInputError, runRound, type Progress, type RoundData } from '../round/pipeline';
import { cleanScratch, policyDirOf, publishArtifact, scratchDir, servingDirName } from './artifacts';
import { loadModel } from '../model/model-checkpoint';
import { quantizationReport, quantizeForServing } from '../model/quantize-model';
import { createTokenizer } from '../model/tokenizer';
import { disposeGPT } from '../model/transformer';
import { disposeBatch, makeBatch, packChats } from '../train/chat-batches';
import { takeSnapshot } from './snapshot';
import { isJobStillHeld } from '../../server/jobs/queue';
import { JobInputError, JobStoppedError, type JobContext } from '../worker/job-context';

type StageState = { step: number; total: number; startedAt: string; finishedAt: string | null; etaSeconds: number | null };

/** Points kept per curve in the database: enough for a smooth chart, bounded for long rounds. */
const MAX_CURVE_POINTS = 400;
const FLUSH_INTERVAL_MS = 1000;

export async function runTrainingRoundJob(context: JobContext): Promise<{ runId: number; policyVersionId: number; rewardVersionId: number }> {
  const { db } = context;
  const { runId } = ZTrainingRoundPayload.parse(context.job.payload);
  const run = await db.trainingRun.findUnique({
    where: { id: runId },
    select: { id: true, number: true, projectId: true, config: true, snapshotId: true, parentVersionId: true, createdById: true, status: true },
  });
  if (!run) throw new JobInputError(`Training round ${runId} no longer exists`);
  const config = ZRoundConfig.parse(run.config);
  const parent = run.parentVersionId ? await db.modelVersion.findUnique({ where: { id: run.parentVersionId } }) : null;
  const label = `run-${run.id}`;
  cleanScratch(context.dataDir, label);
  const scratch = scratchDir(context.dataDir, label);

  const progress = createRoundProgress(context, run.id);
  await db.trainingRun.update({ where: { id: run.id }, data: { status: 'RUNNING', startedAt: new Date(), finishedAt: null, error: null, stages: {}, curves: {}, metrics: Prisma.DbNull } });

  // 1. Snapshot
  progress.enter('snapshot', 1);
  await progress.flush();
  const snapshot = await takeSnapshot(db, {
    projectId: run.projectId,
    snapshotId: run.snapshotId,
    createdById: run.createdById,
    data: { labelSource: config.labelSource, minAgreement: config.minAgreement, weightByConfidence: config.weightByConfidence },
  });
  await db.trainingRun.update({ where: { id: run.id }, data: { snapshotId: snapshot.snapshotId } });
  const data = await buildRoundData(context, run.projectId, snapshot);
  progress.step('snapshot', 1, 1, {});
  await progress.leave('snapshot');
  context.throwIfStopped();

  // 2-4. Reward model, policy, evaluation
  const policyDir = policyDirOf(context.dataDir, parent);
  const outDirs = { policy: path.join(scratch, 'policy'), reward: path.join(scratch, 'reward') };
  let result: Awaited<ReturnType<typeof runRound>>;
  try {
    result = await runRound({
      policyDir,
      // The reference for the KL penalty is the policy the round starts from: each round may move
      // only so far from what annotators last rated.
      referenceDir: policyDir,
      config,
      data,
      outDirs,
      onProgress: (p: Progress) => progress.step(p.stage, p.step, p.totalSteps, p.metrics),
      shouldStop: () => context.stopReason() !== null,
    });
  } catch (error) {
    if (error instanceof RoundInputError) throw new JobInputError(error.message);
    if (error instanceof RoundCancelledError) throw new JobStoppedError(context.stopReason() ?? 'cancel');
    throw error;
  } finally {
    await progress.flush();
  }
  context.throwIfStopped();

  // 5. Register (with the serving copy first, when asked for)
  progress.enter('register', 2);
  const serving = config.servingQuantization === 'none' ? null : await writeServingCopy(outDirs.policy, config.servingQuantization, data.referenceChats);
  const name = config.checkpointName ?? `round-${run.number}`;
  const base = `models/project-${run.projectId}/run-${run.id}`;
  const rewardSize = publishArtifact(context.dataDir, outDirs.reward, `${base}/reward`);
  const policySize = publishArtifact(context.dataDir, outDirs.policy, `${base}/policy`);
  progress.step('register', 1, 2, {});
  const metrics = {
    snapshot: { ...snapshot.counts, contentHash: snapshot.contentHash },
    reward: result.metrics.reward,
    policy: result.metrics.policy,
    ...(serving ? { serving } : {}),
    evaluate: { ...result.metrics.eval, samples: result.samples.slice(0, 24).map((s) => ({ ...s, prompt: promptText(s.prompt) })) },
    seconds: result.metrics.seconds,
  };
  // The run turns SUCCEEDED in the same write that shows its last stage finished, so nobody reads
  // a finished run with an unfinished stage; earlier progress writes are drained first.
  progress.step('register', 2, 2, {});
  await progress.flush();
  const finalProgress = progress.complete('register');
  const versions = await db.$transaction(async (tx) => {
    if (!(await isJobStillHeld(tx, { jobId: context.job.id, workerId: context.workerId }))) throw new JobStoppedError('lost');
    const common = { projectId: run.projectId, runId: run.id, snapshotId: snapshot.snapshotId, format: 'full', config: config as Prisma.InputJsonValue };
    const reward = await tx.modelVersion.create({
      data: {
        ...common,
        kind: 'REWARD',
        name: `${name}-reward`,
        parentId: parent?.id ?? null,
        metrics: result.metrics.reward as Prisma.InputJsonValue,
        artifactPath: `${base}/reward`,
        sizeBytes: rewardSize,
      },
      select: { id: true },
    });
    const policy = await tx.modelVersion.create({
      data: {
        ...common,
        kind: 'POLICY',
        name,
        parentId: parent?.id ?? null,
        metrics: { ...result.metrics.eval, ...prefixed('policy/', result.metrics.policy), ...(serving ? prefixed('serving/', serving) : {}) } as Prisma.InputJsonValue,
        artifactPath: `${base}/policy`,
        sizeBytes: policySize,
        quantization: serving ? config.servingQuantization : null,
      },
      select: { id: true },
    });
    await tx.trainingRun.update({ where: { id: run.id }, data: { status: 'SUCCEEDED', finishedAt: new Date(), metrics: metrics as Prisma.InputJsonValue, ...finalProgress } });
    return { reward: reward.id, policy: policy.id };
  });
  return { runId: run.id, policyVersionId: versions.policy, rewardVersionId: versions.reward };
}

/**
 * A quantized copy of the new policy for serving, saved inside its artifact (serving-<scheme>/),
 * with what it costs: sizes on disk and the change of next-token loss on the reference corpus.
 */
async function writeServingCopy(policyDir: string, scheme: 'int8' | 'nf4', referenceChats: ChatMessage[][]): Promise<Record<string, number>> {
  const { model } = await loadModel(policyDir);
  const quantized = quantizeForServing(model, { scheme });
  const tokenizer = createTokenizer(model.config.tokenizer);
  const packed = packChats(tokenizer, referenceChats.slice(0, 64));
  const seq = Math.min(model.config.blockSize, 128);
  const batches = [makeBatch(packed, packed.starts.slice(0, 32), seq), makeBatch(packed, packed.starts.slice(32, 64), seq)].filter((b) => b.inputs.shape[0] > 0);
  const scratch = path.join(policyDir, '..', 'quantization-report');
  try {
    const report = await quantizationReport(model, quantized, batches, scratch);
    fs.renameSync(path.join(scratch, 'quantized'), path.join(policyDir, servingDirName(scheme)));
    return { float_bytes: report.floatBytes, quantized_bytes: report.quantizedBytes, float_loss: report.floatLoss, quantized_loss: report.quantizedLoss, loss_delta: report.lossDelta };
  } finally {
    batches.forEach(disposeBatch);
    disposeGPT(quantized);
    disposeGPT(model);
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function prefixed(prefix: string, metrics: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).map(([k, v]) => [prefix + k, v]));
}

/**
 * The pipeline's inputs from the snapshot and the project's prompts. Train prompts feed RL
 * rollouts (they need no ratings); held-out prompts, in id order, are the evaluation set. Where
 * the prompts are the built-in domain's (a program can read 90% of them), its judge is used, and the
 * reference corpus for perplexity is the domain's worked solutions to fixed held-out problems.
 */
async function buildRoundData(context: JobContext, projectId: number, snapshot: Awaited<ReturnType<typeof takeSnapshot>>): Promise<RoundData> {
  const prompts = await context.db.prompt.findMany({ where: { projectId }, select: { text: true, messages: true, split: true }, orderBy: { id: 'asc' } });
  const content = (p: { text: string; messages: unknown }): PromptContent => (Array.isArray(p.messages) ? (p.messages as ChatMessage[]) : p.text);
  const rlPrompts = prompts.filter((p) => p.split === 'TRAIN').map(content);
  const evalPrompts = prompts.filter((p) => p.split === 'HELDOUT').map(content);
  const texts = evalPrompts.map(promptText);
  const judge = builtinJudgeFor(texts);
  const referenceChats: ChatMessage[][] = judge
    ? generateCorpus({ count: 200, seed: 20261201, split: 'heldout' }).map((e) => [
        { role: 'user', content: e.prompt },
        { role: 'assistant', content: e.completion },
      ])
    : snapshot.heldoutPairs.slice(0, 200).map((pair) => [...toChat(pair.prompt), { role: 'assistant', content: pair.chosen }]);
  return {
    trainPairs: snapshot.trainPairs,
    heldoutPairs: snapshot.heldoutPairs,
    sft: snapshot.sft,
    rlPrompts,
    evalPrompts,
    referenceChats,
    judge,
  };
}

function toChat(prompt: PromptContent): ChatMessage[] {
  return typeof prompt === 'string' ? [{ role: 'user', content: prompt }] : prompt;
}

/**
 * Stage states, ETA and curves of a run, kept in memory and written at most once a second (and on
 * every stage change), plus the job's progress line that the next heartbeat stores.
 */
function createRoundProgress(context: JobContext, runId: number) {
  const stages: Partial<Record<RoundStage, StageState>> = {};
  const curves: Record<string, [number, number][]> = {};
  let dirty = false;
  let lastFlush = 0;
  let flushing: Promise<void> = Promise.resolve();

  const flush = async () => {
    if (!dirty) return flushing;
    dirty = false;
    lastFlush = Date.now();
    const data = { stages: stages as Prisma.InputJsonValue, curves: curves as Prisma.InputJsonValue };
    flushing = flushing.then(() => context.db.trainingRun.update({ where: { id: runId }, data }).then(() => undefined));
    return flushing;
  };
  /**
   * Returns the write when one is due, and the pipeline awaits it: training runs synchronously
   * between microtask awaits, so a write that nobody awaits would wait for the stage to end.
   */
  const maybeFlush = (): Promise<void> | undefined => {
    dirty = true;
    if (Date.now() - lastFlush < FLUSH_INTERVAL_MS) return undefined;
    return flush().catch((error: unknown) => context.log(`progress write failed: ${String(error)}`));
  };

  return {
    enter(stage: RoundStage, total: number) {
      stages[stage] = { step: 0, total, startedAt: new Date().toISOString(), finishedAt: null, etaSeconds: null };
      context.report({ stage, step: 0, total, etaSeconds: null, message: `${stage} started` });
      dirty = true;
      lastFlush = 0;
    },
    step(stage: RoundStage, step: number, total: number, metrics: Record<string, number>) {
      const state = (stages[stage] ??= { step: 0, total, startedAt: new Date().toISOString(), finishedAt: null, etaSeconds: null });
      for (const other of Object.values(stages)) if (other !== state && other.finishedAt === null && other.startedAt < state.startedAt) other.finishedAt = state.startedAt;
      state.step = step;
      state.total = total;
      const elapsed = (Date.now() - Date.parse(state.startedAt)) / 1000;
      state.etaSeconds = step > 0 ? Math.round((elapsed / step) * Math.max(0, total - step)) : null;
      for (const [name, value] of Object.entries(metrics)) {
        if (!Number.isFinite(value)) continue;
        const key = name.startsWith(`${stage}/`) ? name : `${stage}/${name}`;
        const points = (curves[key] ??= []);
        points.push([step, value]);
        if (points.length > MAX_CURVE_POINTS) curves[key] = points.filter((_, i) => i % 2 === 0 || i === points.length - 1);
      }
      context.report({ stage, step, total, etaSeconds: state.etaSeconds, message: `${stage}: step ${step} of ${total}` });
      return maybeFlush();
    },
    leave(stage: RoundStage) {
      const state = stages[stage];
      if (state) {
        state.finishedAt = new Date().toISOString();
        state.etaSeconds = 0;
      }
      lastFlush = 0;
      return maybeFlush();
    },
    flush,
    /** Marks the last stage finished and hands back what to write with the run's final status (nothing is flushed after). */
    complete(stage: RoundStage) {
      const state = stages[stage];
      if (state) {
        state.finishedAt = new Date().toISOString();
        state.etaSeconds = 0;
      }
      dirty = false;
      return { stages: stages as Prisma.InputJsonValue, curves: curves as Prisma.InputJsonValue };
    },
  };
}
