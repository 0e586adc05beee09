import { notFound } from 'next/navigation';
import { TRPCError } from '@trpc/server';
import { requireUser } from '@/app/_lib/require-user';
import { getServerCaller } from '@/app/_trpc/server';
import { TaskDetail } from '@/app/_components/admin/task-detail';

export const metadata = { title: 'Task · Feedloop' };

/** One task of a project, for admins: 404 for an id that is not a task of this project. */
export default async function AdminTaskPage({ params }: { params: Promise<{ id: string; taskId: string }> }) {
  // Layout and page render in parallel: the page must not call the API before the layout's check.
  await requireUser('admin');
  const { id, taskId: rawTaskId } = await params;
  const projectId = Number(id);
  const taskId = Number(rawTaskId);
  if (![projectId, taskId].every((n) => Number.isSafeInteger(n) && n >= 1 && n <= 2_147_483_647)) notFound();
  const caller = await getServerCaller();
  const isMissing = (error: unknown) => error instanceof TRPCError && (error.code === 'NOT_FOUND' || error.code === 'BAD_REQUEST');
  const [task, project] = await Promise.all([
    caller.oversee.taskDetail({ projectId, taskId }).catch((error: unknown) => {
      if (isMissing(error)) return null;
      throw error;
    }),
    caller.projects.get({ projectId }).catch((error: unknown) => {
      if (isMissing(error)) return null;
      throw error;
    }),
  ]);
  if (!task || !project) notFound();
  return <TaskDetail task={task} projectName={project.name} />;
}
