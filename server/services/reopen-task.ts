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
  if (!task) throw new AppError('NOT_FOUND', `No task ${options.taskId}`);
  if (task.status !== 'FLAGGED') throw new AppError('CONFLICT', `Task ${options.taskId} is not flagged (it is ${task.status.toLowerCase()})`);
  const status: 'OPEN' | 'DONE' = task.submittedCount >= task.project.overlap ? 'DONE' : 'OPEN';
  // Conditional on the status, so two admins reopening at once change it once.
  const { count } = await db.task.updateMany({ where: { id: options.taskId, status: 'FLAGGED' }, data: { status } });
  if (count === 0) throw new AppError('CONFLICT', `Task ${options.taskId} was changed meanwhile`);
  return { taskId: options.taskId, status };
}
