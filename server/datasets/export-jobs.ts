/**
 * Exports as background jobs: queued here, written by a trainer worker (trainer/jobs/export.ts)
 * to DATA_DIR/exports/job-<id>/, listed with their progress, and downloaded once finished.
 */
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../errors';
import type { PrismaClient } from '../generated/prisma/client';
import { ZExportPayload, ZExportResult, type ExportResult } from '../jobs/contracts';
import { enqueueJob } from '../jobs/queue';
import { exportJobDir } from './export-files';
import { assertEncodingAllowed } from './export';

export const ZStartExportInput = ZExportPayload;
export type StartExportInput = z.input<typeof ZStartExportInput>;

/** Export jobs listed per project, newest first. */
const LIST_LIMIT = 50;

const ZProgress = z.object({ step: z.number().optional(), total: z.number().optional(), etaSeconds: z.number().nullable().optional(), message: z.string().optional() }).nullable().catch(null);

export const ZExportJobOutput = z.object({
  id: z.number(),
  status: z.enum(['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED']),
  snapshotId: z.number(),
  format: z.string(),
  encoding: z.string(),
  /** Annotations read of the total, and the ETA in seconds, while running. */
  progress: ZProgress,
  error: z.string().nullable(),
  result: ZExportResult.nullable(),
  createdAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
});
export type ExportJobOutput = z.infer<typeof ZExportJobOutput>;

/** Queues an export of a snapshot; returns the job's id. */
export async function startExportJob(options: { db: PrismaClient; input: StartExportInput; userId: string }): Promise<{ jobId: number }> {
  const payload = ZStartExportInput.parse(options.input);
  assertEncodingAllowed(payload.format, payload.encoding);
  const snapshot = await options.db.datasetSnapshot.findUnique({ where: { id: payload.snapshotId }, select: { id: true, projectId: true } });
  if (!snapshot) throw new AppError('NOT_FOUND', `No snapshot ${payload.snapshotId}`);
  const job = await enqueueJob(options.db, { kind: 'export', payload, projectId: snapshot.projectId, createdById: options.userId });
  return { jobId: job.id };
}

/** The project's latest export jobs with their status, progress and result. */
export async function listExportJobs(options: { db: PrismaClient; projectId: number }): Promise<ExportJobOutput[]> {
  const jobs = await options.db.job.findMany({
    where: { projectId: options.projectId, kind: 'export' },
    orderBy: { id: 'desc' },
    take: LIST_LIMIT,
    select: { id: true, status: true, payload: true, progress: true, error: true, result: true, createdAt: true, startedAt: true, finishedAt: true },
  });
  return jobs.map((job) => {
    const payload = ZExportPayload.safeParse(job.payload);
    const result = ZExportResult.safeParse(job.result);
    return {
      id: job.id,
      status: job.status,
      snapshotId: payload.success ? payload.data.snapshotId : 0,
      format: payload.success ? payload.data.format : 'unknown',
      encoding: payload.success ? payload.data.encoding : 'unknown',
      progress: job.status === 'RUNNING' ? ZProgress.parse(job.progress) : null,
      error: job.error,
      result: job.status === 'SUCCEEDED' && result.success ? result.data : null,
      createdAt: job.createdAt,
      startedAt: job.startedAt,
      finishedAt: job.finishedAt,
    };
  });
}

/**
 * The file of a finished export job, opened for reading; NOT_FOUND for another kind of job, one
 * that has not succeeded, or a file that is gone.
 */
export async function openExportJobFile(options: { db: PrismaClient; jobId: number; dataDir: string }): Promise<{ file: FileHandle; result: ExportResult }> {
  const job = await options.db.job.findUnique({ where: { id: options.jobId }, select: { kind: true, status: true, result: true } });
  if (!job || job.kind !== 'export') throw new AppError('NOT_FOUND', `No export job ${options.jobId}`);
  if (job.status !== 'SUCCEEDED') throw new AppError('NOT_FOUND', `Export job ${options.jobId} has not finished (${job.status.toLowerCase()})`);
  const result = ZExportResult.safeParse(job.result);
  if (!result.success) throw new AppError('NOT_FOUND', `Export job ${options.jobId} has no file`);
  // The name is checked by ZExportResult (no separators), so the path stays inside the job's folder.
  const filePath = path.join(exportJobDir(options.dataDir, options.jobId), result.data.fileName);
  try {
    return { file: await open(filePath, 'r'), result: result.data };
  } catch {
    throw new AppError('NOT_FOUND', `The file of export job ${options.jobId} is gone`);
  }
}
