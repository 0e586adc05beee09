import { notFound } from 'next/navigation';
import { TRPCError } from '@trpc/server';
import { getServerCaller } from '../../_trpc/server';
import { requireUser } from '../../_lib/require-user';
import { AnnotateWorkspace } from '../../_components/annotate/annotate-workspace';

export default async function AnnotateProjectPage({ params }: { params: Promise<{ projectId: string }> }) {
  // Layout and page render in parallel: the page must not call the API before the redirect.
  await requireUser();
  const { projectId: raw } = await params;
  const projectId = Number(raw);
  if (!Number.isInteger(projectId) || projectId <= 0) notFound();
  const caller = await getServerCaller();
  const project = await caller.projects.get({ projectId }).catch((error: unknown) => {
    if (error instanceof TRPCError && (error.code === 'NOT_FOUND' || error.code === 'BAD_REQUEST')) return null;
    throw error;
  });
  if (!project) notFound();
  return <AnnotateWorkspace project={{ id: projectId, name: project.name, guidelines: project.guidelines, form: project.form, completionsPerTask: project.completionsPerTask }} />;
}
