/** Flagged tasks of a project with the reasons given, for the admin to review and reopen. */
import { db } from '../db';
import { excerpt } from './recent-annotations';

const MAX_FLAGGED_TASKS = 500;

export async function listFlaggedTasks(options: { projectId: number }) {
  const tasks = await db.task.findMany({
    where: { projectId: options.projectId, status: 'FLAGGED' },
    orderBy: { updatedAt: 'desc' },
    take: MAX_FLAGGED_TASKS,
    select: {
      id: true,
      submittedCount: true,
      updatedAt: true,
      completionIds: true,
      prompt: { select: { text: true } },
      annotations: {
        where: { status: 'FLAGGED' },
        orderBy: { id: 'asc' },
        select: { id: true, flagReason: true, createdAt: true, user: { select: { id: true, name: true } } },
      },
    },
  });
  return tasks.map((task) => ({
    taskId: task.id,
    submittedCount: task.submittedCount,
    updatedAt: task.updatedAt,
    completionIds: task.completionIds,
    promptExcerpt: excerpt(task.prompt.text, 500),
    flags: task.annotations.map((a) => ({ annotationId: a.id, userId: a.user.id, annotatorName: a.user.name, reason: a.flagReason ?? '', createdAt: a.createdAt })),
  }));
}
