/**
 * Fixtures for the queue and annotation tests: a project with N tasks written straight to the
 * database (imports are tested elsewhere), and answers that fit its form.
 */
import { randomUUID } from 'node:crypto';
import { db } from '@/server/db';
import { FORM_PRESETS, ZRatingForm, type RatingFormInput } from '@/lib/forms/schema';

export type QueueFixture = { projectId: number; taskIds: number[]; completionIdsByTask: Map<number, number[]> };

export async function createQueueProject(options: {
  taskCount: number;
  overlap: number;
  leaseSeconds?: number;
  undoSeconds?: number;
  form?: RatingFormInput;
  completionsPerTask?: number;
}): Promise<QueueFixture> {
  const form = ZRatingForm.parse(options.form ?? FORM_PRESETS.pairwise);
  const k = options.completionsPerTask ?? 2;
  const project = await db.project.create({
    data: { name: `queue ${randomUUID().slice(0, 8)}`, form, overlap: options.overlap, completionsPerTask: k, leaseSeconds: options.leaseSeconds ?? 900, undoSeconds: options.undoSeconds ?? 300 },
    select: { id: true },
  });
  const taskIds: number[] = [];
  const completionIdsByTask = new Map<number, number[]>();
  for (let i = 0; i < options.taskCount; i++) {
    const prompt = await db.prompt.create({
      data: { projectId: project.id, text: `Prompt ${i}`, completions: { create: Array.from({ length: k }, (_, j) => ({ text: `Completion ${i}.${j}` })) } },
      select: { id: true, completions: { select: { id: true }, orderBy: { id: 'asc' } } },
    });
    const completionIds = prompt.completions.map((c) => c.id).reverse();
    const task = await db.task.create({ data: { projectId: project.id, promptId: prompt.id, completionIds }, select: { id: true } });
    taskIds.push(task.id);
    completionIdsByTask.set(task.id, completionIds);
  }
  return { projectId: project.id, taskIds, completionIdsByTask };
}

export const pairwiseAnswer = (choice: 'A' | 'B' | 'tie' | 'both_bad' = 'A') => ({ preference: { type: 'pairwise' as const, choice } });

export async function taskRow(taskId: number) {
  return db.task.findUniqueOrThrow({ where: { id: taskId }, select: { status: true, submittedCount: true } });
}
