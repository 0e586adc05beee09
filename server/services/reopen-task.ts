/**
 * Returns a flagged task to the queue. The flagging annotations are kept for audit; because an
 * annotator answers a task at most once (unique taskId + userId), whoever flagged it is never
 * served it again, while everyone else can be. A task that already has its overlap of submitted
 * answers becomes DONE instead of OPEN.
 */
import { db } from '../db';
import { AppError } from '../errors';

export async function reopenTask(options: { taskId: number }) {
  const task = await db.task.findUnique({ where: { id: options.taskId }, select: { status: true, submittedCount: true, project: { select: { overlap: true } } } });
  if (!task) throw new AppError('NOT_FOUND', `There is no task ${options.taskId}: it may have been deleted with its project`);
  if (task.status !== 'FLAGGED')
    throw new AppError('CONFLICT', `Task ${options.taskId} is no longer flagged (it is ${task.status.toLowerCase()}): someone may have reopened it already; reload the list`);
  const status: 'OPEN' | 'DONE' = task.submittedCount >= task.project.overlap ? 'DONE' : 'OPEN';
  // Conditional on the status, so two admins reopening at once change it once.
  const { count } = await db.task.updateMany({ where: { id: options.taskId, status: 'FLAGGED' }, data: { status } });
  if (count === 0) throw new AppError('CONFLICT', `Task ${options.taskId} changed while it was being reopened; reload the list and try again`);
  return { taskId: options.taskId, status };
}
