import { notFound } from 'next/navigation';
import { ProjectAdmin } from '@/app/_components/admin/project-admin';
import { PROJECT_TABS, type ProjectTab } from '@/app/_components/admin/project-tabs';

export const metadata = { title: 'Project · Feedloop' };

export default async function AdminProjectPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ tab?: string | string[] }> }) {
  const { id } = await params;
  const { tab } = await searchParams;
  const projectId = Number(id);
  if (!Number.isSafeInteger(projectId) || projectId < 1) notFound();
  const initialTab: ProjectTab = PROJECT_TABS.find((t) => t === tab) ?? 'overview';
  return <ProjectAdmin projectId={projectId} initialTab={initialTab} />;
}
