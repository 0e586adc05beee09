/**
 * Creating a training round and firing scheduled ones: shared by the web app (the admin's "Start
 * round") and the worker (schedules), so both go through one path. Every function takes the
 * Prisma client (or transaction) it runs on.
 */
import { CronExpressionParser } from 'cron-parser';
import { Prisma, type PrismaClient } from '../generated/prisma/client';
import type { RatingForm } from '../../lib/forms/schema';
import { ZRoundConfig, ZRoundSchedule, type RoundConfig, type RoundConfigInput } from './contracts';
import { enqueueJob } from './queue';

type Tx = Prisma.TransactionClient;

export class RoundProjectMissingError extends Error {}

/**
 * Why a round's data options cannot work with a rating form (the snapshot would refuse them), or
 * null: consensus labels need a pairwise question; a minimum agreement, and weights of every
 * answer, a pairwise or ranking question.
 */
export function roundDataProblem(form: RatingForm, config: Pick<RoundConfig, 'labelSource' | 'minAgreement' | 'weightByConfidence'>): string | null {
  const types = new Set(form.questions.map((q) => q.type));
  if (config.labelSource !== 'all' && !types.has('pairwise')) return 'Consensus labels need a pairwise question in the form';
  if (!types.has('pairwise') && !types.has('ranking')) {
    if (config.minAgreement !== null) return 'A minimum agreement needs a pairwise or ranking question in the form';
    if (config.weightByConfidence) return 'Weighting by confidence needs a pairwise or ranking question in the form';
  }
  return null;
}

/** The run row (numbered within the project) and its job, in the caller's transaction. */
export async function createRound(tx: Tx, options: { projectId: number; config: RoundConfigInput; userId: string | null; trigger: 'manual' | 'annotations' | 'cron' }) {
  const config = ZRoundConfig.parse(options.config);
  const project = await tx.project.findUnique({ where: { id: options.projectId }, select: { id: true, activePolicyId: true } });
  if (!project) throw new RoundProjectMissingError(`No project ${options.projectId}`);
  // Serialise round numbering per project (two admins clicking at once get 1 and 2, not a clash).
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(4242, ${project.id}::int)`;
  const last = await tx.trainingRun.findFirst({ where: { projectId: project.id }, orderBy: { number: 'desc' }, select: { number: true } });
  const job = await enqueueJob(tx, { kind: 'training_round', payload: { runId: 1 }, projectId: project.id, createdById: options.userId });
  const run = await tx.trainingRun.create({
    data: {
      projectId: project.id,
      number: (last?.number ?? 0) + 1,
      jobId: job.id,
      config: config as Prisma.InputJsonValue,
      trigger: options.trigger,
      parentVersionId: project.activePolicyId,
      createdById: options.userId,
    },
    select: { id: true, number: true },
  });
  await tx.job.update({ where: { id: job.id }, data: { payload: { runId: run.id } } });
  await tx.project.update({ where: { id: project.id }, data: { roundConfig: config as Prisma.InputJsonValue } });
  return { runId: run.id, number: run.number, jobId: job.id };
}

/** Throws an Error with a readable message when a cron expression is not valid. */
export function checkCronExpression(expression: string): void {
  CronExpressionParser.parse(expression);
}

/**
 * Starts the rounds whose schedule is due: after every N new submitted annotations since the last
 * round, or when the cron expression has fired since the last round (or since the schedule was
 * set). A project with a round queued or running waits. One worker at a time checks (an advisory
 * lock), so two workers never start the same scheduled round.
 */
export async function startDueRounds(db: PrismaClient, now = new Date()): Promise<{ projectId: number; runId: number; trigger: string }[]> {
  return db.$transaction(async (tx) => {
    const [{ locked }] = await tx.$queryRaw<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(4243, 0) AS locked`;
    if (!locked) return [];
    const projects = await tx.project.findMany({ where: { roundSchedule: { not: Prisma.DbNull } }, select: { id: true, roundSchedule: true, roundConfig: true, updatedAt: true } });
    const started: { projectId: number; runId: number; trigger: string }[] = [];
    for (const project of projects) {
      const schedule = ZRoundSchedule.safeParse(project.roundSchedule);
      if (!schedule.success || schedule.data.kind === 'off') continue;
      const busy = await tx.trainingRun.count({ where: { projectId: project.id, status: { in: ['QUEUED', 'RUNNING'] } } });
      if (busy > 0) continue;
      const last = await tx.trainingRun.findFirst({ where: { projectId: project.id }, orderBy: { createdAt: 'desc' }, select: { createdAt: true } });
      let due = false;
      if (schedule.data.kind === 'annotations') {
        const fresh = await tx.annotation.count({ where: { projectId: project.id, status: 'SUBMITTED', createdAt: { gt: last?.createdAt ?? new Date(0) } } });
        due = fresh >= schedule.data.every;
      } else {
        const since = last?.createdAt ?? project.updatedAt;
        try {
          due = CronExpressionParser.parse(schedule.data.expression, { currentDate: since }).next().toDate() <= now;
        } catch {
          continue; // validated when saved; an expression that stopped parsing is skipped
        }
      }
      if (!due) continue;
      const run = await createRound(tx, { projectId: project.id, config: (project.roundConfig ?? {}) as RoundConfigInput, userId: null, trigger: schedule.data.kind });
      started.push({ projectId: project.id, runId: run.runId, trigger: schedule.data.kind });
    }
    return started;
  });
}
