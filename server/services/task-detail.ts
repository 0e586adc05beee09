/**
 * One task as an admin reviews it: the prompt, the responses in the order the annotators saw them
 * (the task's stored display order: index 0 was shown first, "A" in a pairwise question), the
 * project's form (to put the answers into words), and every annotation with who gave it and when.
 *
 * An undone submission is deleted with its answer (see undo-annotation.ts), so it is not listed.
 */
import { ZAnswer, ZRatingForm } from '../../lib/forms/schema';
import { db } from '../db';
import { AppError } from '../errors';
import type { Prisma } from '../generated/prisma/client';
import { ZTaskView } from './task-view';

const taskDetailSelect = {
  id: true,
  projectId: true,
  status: true,
  submittedCount: true,
  createdAt: true,
  completionIds: true,
  project: { select: { form: true, overlap: true } },
  prompt: { select: { text: true, messages: true, split: true, externalId: true } },
  annotations: {
    orderBy: { id: 'asc' },
    select: { id: true, status: true, answer: true, flagReason: true, timeSpentMs: true, createdAt: true, user: { select: { id: true, name: true } } },
  },
} satisfies Prisma.TaskSelect;

const ZMessages = ZTaskView.shape.prompt.shape.messages;

export async function getTaskDetail(options: { projectId: number; taskId: number }) {
  // Both ids in the filter: a task of another project is as unknown here as a missing one.
  const task = await db.task.findFirst({ where: { id: options.taskId, projectId: options.projectId }, select: taskDetailSelect });
  if (!task) throw new AppError('NOT_FOUND', `Project ${options.projectId} has no task ${options.taskId}`);

  const completionRows = await db.completion.findMany({ where: { id: { in: task.completionIds } }, select: { id: true, text: true, source: true } });
  const byId = new Map(completionRows.map((c) => [c.id, c]));
  const completions = task.completionIds.flatMap((id) => {
    const completion = byId.get(id);
    return completion ? [{ id, text: completion.text, source: completion.source }] : [];
  });
  const messages = ZMessages.safeParse(task.prompt.messages ?? null);
  const form = ZRatingForm.safeParse(task.project.form);

  return {
    taskId: task.id,
    projectId: task.projectId,
    status: task.status,
    submittedCount: task.submittedCount,
    overlap: task.project.overlap,
    createdAt: task.createdAt,
    prompt: { text: task.prompt.text, messages: messages.success ? messages.data : null, split: task.prompt.split, externalId: task.prompt.externalId },
    completions,
    questions: form.success ? form.data.questions : [],
    annotations: task.annotations.map((a) => {
      const answer = ZAnswer.safeParse(a.answer);
      return {
        id: a.id,
        userId: a.user.id,
        annotatorName: a.user.name,
        status: a.status,
        answer: answer.success ? answer.data : null,
        flagReason: a.flagReason,
        timeSpentMs: a.timeSpentMs,
        createdAt: a.createdAt,
      };
    }),
  };
}
