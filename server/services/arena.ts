/**
 * Arenas from the admin's side: start one (the Arena row and its job in one transaction) and list a
 * project's arenas with their job's progress and vote counts. The job itself (trainer/jobs/arena.ts)
 * writes the completions and the blind pairwise tasks; the leaderboard is server/quality/arena-leaderboard.ts.
 */
import type { Prisma } from '../generated/prisma/client';
import { db } from '../db';
import { AppError } from '../errors';
import { ZArenaSettings, type ArenaSettings } from '../jobs/contracts';
import { enqueueJob } from '../jobs/queue';
import { ZRatingForm } from '../../lib/forms/schema';

export type CreateArenaOptions = { projectId: number; versionIds: number[]; settings: ArenaSettings; name?: string | null; userId: string | null };

/** Starts an arena among two or more policy versions of a pairwise project. */
export async function createArena(options: CreateArenaOptions) {
  const versionIds = [...new Set(options.versionIds)];
  if (versionIds.length < 2) throw new AppError('BAD_REQUEST', 'An arena needs at least two different versions');
  const settings = ZArenaSettings.parse(options.settings);
  return db.$transaction(async (tx) => {
    const project = await tx.project.findUnique({ where: { id: options.projectId }, select: { id: true, form: true, completionsPerTask: true } });
    if (!project) throw new AppError('NOT_FOUND', `No project ${options.projectId}`);
    const form = ZRatingForm.safeParse(project.form);
    if (project.completionsPerTask !== 2 || !form.success || !form.data.questions.some((q) => q.type === 'pairwise')) {
      throw new AppError('BAD_REQUEST', 'Arenas need a pairwise project (a pairwise question, 2 completions per task)');
    }
    const versions = await tx.modelVersion.findMany({ where: { id: { in: versionIds }, projectId: project.id, kind: 'POLICY' }, select: { id: true, name: true } });
    if (versions.length !== versionIds.length) throw new AppError('BAD_REQUEST', 'Only policy versions of this project can enter an arena');
    const count = await tx.arena.count({ where: { projectId: project.id } });
    const arena = await tx.arena.create({
      data: {
        projectId: project.id,
        name: options.name?.trim() || `Arena ${count + 1}`,
        versionIds,
        settings: settings as Prisma.InputJsonValue,
        createdById: options.userId,
      },
      select: { id: true, name: true },
    });
    const job = await enqueueJob(tx, { kind: 'arena', payload: { arenaId: arena.id }, projectId: project.id, createdById: options.userId });
    await tx.arena.update({ where: { id: arena.id }, data: { jobId: job.id } });
    return { arenaId: arena.id, name: arena.name, jobId: job.id };
  });
}

/** A project's arenas, newest first, with the versions' names, the job's state and the votes so far. */
export async function listArenas(options: { projectId: number }) {
  const project = await db.project.findUnique({ where: { id: options.projectId }, select: { id: true } });
  if (!project) throw new AppError('NOT_FOUND', `No project ${options.projectId}`);
  const arenas = await db.arena.findMany({
    where: { projectId: project.id },
    orderBy: { id: 'desc' },
    take: 50,
    select: { id: true, name: true, versionIds: true, settings: true, jobId: true, createdAt: true },
  });
  const arenaIds = arenas.map((a) => a.id);
  const [jobs, versions, taskCounts, doneCounts] = await Promise.all([
    db.job.findMany({
      where: { id: { in: arenas.flatMap((a) => (a.jobId === null ? [] : [a.jobId])) } },
      select: { id: true, status: true, progress: true, result: true, error: true, createdAt: true, startedAt: true, finishedAt: true },
    }),
    db.modelVersion.findMany({ where: { id: { in: arenas.flatMap((a) => a.versionIds) } }, select: { id: true, name: true } }),
    db.task.groupBy({ by: ['arenaId'], where: { arenaId: { in: arenaIds } }, _count: { _all: true }, _sum: { submittedCount: true } }),
    db.task.groupBy({ by: ['arenaId'], where: { arenaId: { in: arenaIds }, status: 'DONE' }, _count: { _all: true } }),
  ]);
  return arenas.map((arena) => {
    const counts = taskCounts.find((c) => c.arenaId === arena.id);
    return {
      id: arena.id,
      name: arena.name,
      settings: ZArenaSettings.parse(arena.settings),
      createdAt: arena.createdAt,
      versions: arena.versionIds.map((id) => ({ id, name: versions.find((v) => v.id === id)?.name ?? `#${id}` })),
      job: jobs.find((j) => j.id === arena.jobId) ?? null,
      tasks: counts?._count._all ?? 0,
      votes: counts?._sum.submittedCount ?? 0,
      doneTasks: doneCounts.find((c) => c.arenaId === arena.id)?._count._all ?? 0,
    };
  });
}
