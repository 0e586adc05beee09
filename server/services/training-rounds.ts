/**
 * Training rounds from the admin's side: start one (a TrainingRun and its job in one transaction),
 * cancel it, read its stages and live curves, compare and promote model versions, and queue
 * generation. The work itself happens in the trainer worker (trainer/jobs/*).
 */
import { ZRatingForm } from '../../lib/forms/schema';
import { Prisma } from '../generated/prisma/client';
import { db } from '../db';
import { AppError } from '../errors';
import { ZGenerationSettings, ZRoundConfig, ZRoundSchedule, type GenerationSettings, type RoundConfigInput, type RoundSchedule } from '../jobs/contracts';
import { enqueueJob, reapStaleJobs, requestCancel } from '../jobs/queue';
import { checkCronExpression, createRound, RoundProjectMissingError, roundDataProblem } from '../jobs/rounds';

type Tx = Prisma.TransactionClient;

async function requireProject(projectId: number) {
  const project = await db.project.findUnique({ where: { id: projectId }, select: { id: true, name: true } });
  if (!project) throw new AppError('NOT_FOUND', `No project ${projectId}`);
  return project;
}

/**
 * Starts a round: the run row (numbered within the project) and its job, in one transaction. Data
 * options the project's form cannot serve (consensus labels without a pairwise question...) are
 * refused here rather than failing the round's snapshot stage.
 */
export async function startRound(options: { projectId: number; config: RoundConfigInput; userId: string | null }) {
  const project = await db.project.findUnique({ where: { id: options.projectId }, select: { form: true } });
  if (!project) throw new AppError('NOT_FOUND', `No project ${options.projectId}`);
  const config = ZRoundConfig.safeParse(options.config);
  if (!config.success) throw new AppError('BAD_REQUEST', config.error.issues.map((i) => i.message).join('; '));
  const problem = roundDataProblem(ZRatingForm.parse(project.form), config.data);
  if (problem) throw new AppError('BAD_REQUEST', problem);
  try {
    return await db.$transaction((tx) => createRound(tx, { ...options, trigger: 'manual' }));
  } catch (error) {
    if (error instanceof RoundProjectMissingError) throw new AppError('NOT_FOUND', error.message);
    throw error;
  }
}

export async function cancelRound(options: { runId: number }) {
  const run = await db.trainingRun.findUnique({ where: { id: options.runId }, select: { id: true, jobId: true, status: true } });
  if (!run || run.jobId === null) throw new AppError('NOT_FOUND', `No round ${options.runId}`);
  const outcome = await requestCancel(db, run.jobId);
  if (outcome === 'FINISHED') throw new AppError('CONFLICT', `Round ${options.runId} has already finished`);
  return { status: outcome };
}

/** Queues a generate job with the project's generation settings (or the ones given). */
export async function queueGeneration(options: { projectId: number; userId: string | null; settings?: GenerationSettings; modelVersionId?: number | null }, tx?: Tx) {
  const client = tx ?? db;
  const project = await client.project.findUnique({ where: { id: options.projectId }, select: { id: true, generation: true } });
  if (!project) throw new AppError('NOT_FOUND', `No project ${options.projectId}`);
  const settings = options.settings ?? ZGenerationSettings.parse(project.generation ?? {});
  return enqueueJob(client, {
    kind: 'generate',
    payload: { projectId: project.id, settings, modelVersionId: options.modelVersionId ?? null },
    projectId: project.id,
    createdById: options.userId,
  });
}

/**
 * Makes a policy version the one that generates completions (promotion, or rollback to an older
 * one). The previous active version is archived. With auto-continue on, a generate job is queued in
 * the same transaction, so the next round's tasks appear by themselves.
 */
export async function promoteVersion(options: { versionId: number; userId: string | null }) {
  return db.$transaction(async (tx) => {
    const version = await tx.modelVersion.findUnique({ where: { id: options.versionId }, select: { id: true, projectId: true, kind: true, name: true } });
    if (!version) throw new AppError('NOT_FOUND', `No model version ${options.versionId}`);
    if (version.kind !== 'POLICY') throw new AppError('BAD_REQUEST', `${version.name} is a reward model; only policies generate completions`);
    await tx.modelVersion.updateMany({ where: { projectId: version.projectId, kind: 'POLICY', status: 'ACTIVE', id: { not: version.id } }, data: { status: 'ARCHIVED' } });
    await tx.modelVersion.update({ where: { id: version.id }, data: { status: 'ACTIVE', promotedAt: new Date() } });
    const project = await tx.project.update({ where: { id: version.projectId }, data: { activePolicyId: version.id }, select: { autoContinue: true } });
    const generation = project.autoContinue ? await queueGeneration({ projectId: version.projectId, userId: options.userId, modelVersionId: version.id }, tx) : null;
    return { activePolicyId: version.id, generateJobId: generation?.id ?? null };
  });
}

/** Back to the built-in base model. */
export async function resetToBaseModel(options: { projectId: number }) {
  await requireProject(options.projectId);
  await db.$transaction([
    db.modelVersion.updateMany({ where: { projectId: options.projectId, kind: 'POLICY', status: 'ACTIVE' }, data: { status: 'ARCHIVED' } }),
    db.project.update({ where: { id: options.projectId }, data: { activePolicyId: null } }),
  ]);
  return { activePolicyId: null };
}

export async function updateTrainingSettings(options: { projectId: number; generation?: GenerationSettings; roundSchedule?: RoundSchedule; autoContinue?: boolean }) {
  await requireProject(options.projectId);
  const data: Prisma.ProjectUpdateInput = {};
  if (options.generation) data.generation = ZGenerationSettings.parse(options.generation) as Prisma.InputJsonValue;
  if (options.roundSchedule) {
    const schedule = ZRoundSchedule.parse(options.roundSchedule);
    if (schedule.kind === 'cron') {
      try {
        checkCronExpression(schedule.expression);
      } catch (error) {
        throw new AppError('BAD_REQUEST', `Not a valid cron expression: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    data.roundSchedule = schedule as Prisma.InputJsonValue;
  }
  if (options.autoContinue !== undefined) data.autoContinue = options.autoContinue;
  await db.project.update({ where: { id: options.projectId }, data });
  return getTrainingSettings({ projectId: options.projectId });
}

export async function getTrainingSettings(options: { projectId: number }) {
  const project = await db.project.findUnique({
    where: { id: options.projectId },
    select: { generation: true, roundSchedule: true, roundConfig: true, autoContinue: true, secrets: { select: { name: true, updatedAt: true } } },
  });
  if (!project) throw new AppError('NOT_FOUND', `No project ${options.projectId}`);
  return {
    generation: ZGenerationSettings.parse(project.generation ?? {}),
    roundSchedule: project.roundSchedule ? ZRoundSchedule.parse(project.roundSchedule) : ({ kind: 'off' } as RoundSchedule),
    roundConfig: ZRoundConfig.parse(project.roundConfig ?? {}),
    autoContinue: project.autoContinue,
    /** Names only: a secret's value never leaves the server. */
    secrets: project.secrets,
  };
}

/** Sets (or with null, deletes) a project secret. Values are write-only. */
export async function setProjectSecret(options: { projectId: number; name: string; value: string | null }) {
  await requireProject(options.projectId);
  if (options.value === null) {
    await db.projectSecret.deleteMany({ where: { projectId: options.projectId, name: options.name } });
  } else {
    await db.projectSecret.upsert({
      where: { projectId_name: { projectId: options.projectId, name: options.name } },
      create: { projectId: options.projectId, name: options.name, value: options.value },
      update: { value: options.value },
    });
  }
  return { name: options.name, isSet: options.value !== null };
}

const runListSelect = {
  id: true,
  number: true,
  status: true,
  trigger: true,
  config: true,
  stages: true,
  metrics: true,
  error: true,
  snapshotId: true,
  parentVersionId: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
  job: { select: { id: true, progress: true, attempts: true, maxAttempts: true, cancelRequested: true, workerId: true } },
} satisfies Prisma.TrainingRunSelect;

const versionSelect = {
  id: true,
  kind: true,
  name: true,
  status: true,
  parentId: true,
  runId: true,
  snapshotId: true,
  config: true,
  metrics: true,
  artifactPath: true,
  format: true,
  sizeBytes: true,
  quantization: true,
  createdAt: true,
  promotedAt: true,
} satisfies Prisma.ModelVersionSelect;

/** The training page: rounds (newest first), model versions, the active policy, generate jobs. */
export async function getTrainingOverview(options: { projectId: number }) {
  await requireProject(options.projectId);
  await reapStaleJobs(db); // running jobs whose worker went silent are taken back when admins look
  const [project, runs, versions, jobs] = await Promise.all([
    db.project.findUniqueOrThrow({ where: { id: options.projectId }, select: { activePolicyId: true, autoContinue: true } }),
    db.trainingRun.findMany({ where: { projectId: options.projectId }, orderBy: { number: 'desc' }, take: 50, select: runListSelect }),
    db.modelVersion.findMany({ where: { projectId: options.projectId }, orderBy: { id: 'desc' }, take: 200, select: versionSelect }),
    db.job.findMany({
      where: { projectId: options.projectId, kind: { not: 'training_round' } },
      orderBy: { id: 'desc' },
      take: 20,
      select: { id: true, kind: true, status: true, progress: true, result: true, error: true, createdAt: true, startedAt: true, finishedAt: true },
    }),
  ]);
  return { activePolicyId: project.activePolicyId, autoContinue: project.autoContinue, runs, versions, jobs };
}

/** One round with its live curves (what the round page polls while it runs). */
export async function getRound(options: { runId: number }) {
  const run = await db.trainingRun.findUnique({
    where: { id: options.runId },
    select: {
      ...runListSelect,
      projectId: true,
      curves: true,
      snapshot: { select: { id: true, counts: true, contentHash: true, filters: true, createdAt: true } },
      versions: { select: versionSelect },
    },
  });
  if (!run) throw new AppError('NOT_FOUND', `No round ${options.runId}`);
  return run;
}

/** Two versions side by side: metrics, lineage, and the evaluation samples their rounds stored. */
export async function compareVersions(options: { versionIds: number[] }) {
  const versions = await db.modelVersion.findMany({
    where: { id: { in: options.versionIds } },
    select: { ...versionSelect, projectId: true, run: { select: { id: true, number: true, curves: true, metrics: true } } },
  });
  if (versions.length !== new Set(options.versionIds).size) throw new AppError('NOT_FOUND', 'A model version to compare does not exist');
  if (new Set(versions.map((v) => v.projectId)).size > 1) throw new AppError('BAD_REQUEST', 'Compare versions of one project');
  return options.versionIds.map((id) => versions.find((v) => v.id === id) as (typeof versions)[number]);
}

/** Live workers and the queue, for every project. */
export async function getWorkersAndQueue() {
  await reapStaleJobs(db); // running jobs whose worker went silent are taken back when admins look
  const since = new Date(Date.now() - 60_000);
  const [workers, queued, running] = await Promise.all([
    db.worker.findMany({ where: { stoppedAt: null, heartbeatAt: { gte: since } }, orderBy: { startedAt: 'asc' } }),
    db.job.findMany({ where: { status: 'QUEUED' }, orderBy: { id: 'asc' }, take: 100, select: { id: true, kind: true, projectId: true, createdAt: true, attempts: true } }),
    db.job.findMany({ where: { status: 'RUNNING' }, orderBy: { id: 'asc' }, select: { id: true, kind: true, projectId: true, startedAt: true, progress: true, workerId: true, heartbeatAt: true } }),
  ]);
  return { workers, queued, running };
}

/** Queues an evaluation of up to four policy versions on the same held-out prompts. */
export async function queueEvaluation(options: { projectId: number; versionIds: number[]; prompts: number; userId: string | null }) {
  await requireProject(options.projectId);
  const found = await db.modelVersion.count({ where: { id: { in: options.versionIds }, projectId: options.projectId, kind: 'POLICY' } });
  if (found !== new Set(options.versionIds).size) throw new AppError('BAD_REQUEST', 'Only policy versions of this project can be evaluated');
  return enqueueJob(db, {
    kind: 'evaluate',
    payload: { projectId: options.projectId, modelVersionIds: options.versionIds, prompts: options.prompts },
    projectId: options.projectId,
    createdById: options.userId,
  });
}

/** One job with its result (an evaluation's judged quality and answers, a generation's counts). */
export async function getJob(options: { jobId: number }) {
  const job = await db.job.findUnique({
    where: { id: options.jobId },
    select: { id: true, kind: true, status: true, projectId: true, payload: true, progress: true, result: true, error: true, attempts: true, createdAt: true, startedAt: true, finishedAt: true },
  });
  if (!job) throw new AppError('NOT_FOUND', `No job ${options.jobId}`);
  return job;
}

export async function cancelJob(options: { jobId: number }) {
  const outcome = await requestCancel(db, options.jobId);
  if (outcome === 'MISSING') throw new AppError('NOT_FOUND', `No job ${options.jobId}`);
  if (outcome === 'FINISHED') throw new AppError('CONFLICT', `Job ${options.jobId} has already finished`);
  return { status: outcome };
}
