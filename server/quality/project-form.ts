/** A project's form and its measures, or NOT_FOUND. */
import type { PrismaClient } from '../generated/prisma/client';
import { ZRatingForm, type RatingForm } from '../../lib/forms/schema';
import { AppError } from '../errors';
import { measuresOfForm, type Measure } from './measures';

export async function readProjectMeasures(db: PrismaClient, projectId: number): Promise<{ form: RatingForm; measures: Measure[]; completionsPerTask: number }> {
  const project = await db.project.findUnique({ where: { id: projectId }, select: { form: true, completionsPerTask: true } });
  if (!project) throw new AppError('NOT_FOUND', `No project ${projectId}`);
  const form = ZRatingForm.parse(project.form);
  return { form, measures: measuresOfForm(form), completionsPerTask: project.completionsPerTask };
}

/** Display names of users, by id (pseudo-annotators included). */
export async function readUserNames(db: PrismaClient, userIds: string[]): Promise<Map<string, string>> {
  if (userIds.length === 0) return new Map();
  const users = await db.user.findMany({ where: { id: { in: userIds } }, select: { id: true, name: true } });
  return new Map(users.map((u) => [u.id, u.name]));
}

/** A statistic as the API sends it: undefined values (NaN) become null. */
export type Estimate = { value: number; low: number | null; high: number | null } | null;

export function toEstimate(result: { value: number; interval: { low: number; high: number } | null }): Estimate {
  if (!Number.isFinite(result.value)) return null;
  return { value: result.value, low: result.interval?.low ?? null, high: result.interval?.high ?? null };
}
