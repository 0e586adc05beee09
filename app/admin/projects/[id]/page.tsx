import { notFound } from 'next/navigation';
import { TRPCError } from '@trpc/server';
import { ProjectAdmin } from '@/app/_components/admin/project-admin';
import { PROJECT_TABS, type ProjectTab } from '@/app/_components/admin/project-tabs';
import { requireUser } from '@/app/_lib/require-user';
import { getServerCaller } from '@/app/_trpc/server';

export const metadata = { title: 'Project · Feedloop' };

export default async function AdminProjectPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ tab?: string | string[] }> }) {
  // Layout and page render in parallel: the page must not call the API before the role check.
  await requireUser('admin');
  const { id } = await params;
  const { tab } = await searchParams;
  const projectId = Number(id);
  if (!Number.isSafeInteger(projectId) || projectId < 1) notFound();
  // An id that names no project is a 404 page, not an empty admin shell.
  const caller = await getServerCaller();
  const project = await caller.projects.get({ projectId }).catch((error: unknown) => {
    if (error instanceof TRPCError && (error.code === 'NOT_FOUND' || error.code === 'BAD_REQUEST')) return null;
    throw error;
  });
  if (!project) notFound();
  const initialTab: ProjectTab = PROJECT_TABS.find((t) => t === tab) ?? 'overview';
  return <ProjectAdmin projectId={projectId} initialTab={initialTab} />;
}
