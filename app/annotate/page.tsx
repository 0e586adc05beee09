import Link from 'next/link';
import { getServerCaller } from '../_trpc/server';
import { requireUser } from '../_lib/require-user';

export const metadata = { title: 'Annotate · Feedloop' };

export default async function AnnotateProjectsPage() {
  // Layout and page render in parallel: the page must not call the API before the redirect.
  await requireUser();
  const caller = await getServerCaller();
  const projects = await caller.projects.list();
  return (
    <main className="mx-auto max-w-5xl px-4 py-8">
      <h1 className="text-xl font-semibold tracking-tight">Annotate</h1>
      <p className="mt-1 text-sm text-slate-500">
        Pick a project. Press <kbd className="rounded border px-1 font-mono text-xs">?</kbd> on the rating page for the keyboard shortcuts.
      </p>
      {projects.length === 0 ? (
        <p className="mt-8 rounded-2xl border border-dashed border-slate-300 bg-white px-6 py-12 text-center text-sm text-slate-500">No projects yet. An admin creates them.</p>
      ) : (
        <ul className="mt-6 grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
          {projects.map((project) => (
            <li key={project.id}>
              <Link
                href={`/annotate/${project.id}`}
                data-testid={`project-card-${project.id}`}
                className="group flex h-full flex-col rounded-2xl border border-slate-200 bg-white p-5 shadow-sm transition hover:border-indigo-300 hover:shadow-md"
              >
                <span className="font-medium text-slate-900 group-hover:text-indigo-700">{project.name}</span>
                <span className="mt-1 text-xs text-slate-500">{project.completionsPerTask === 1 ? 'One response per task' : `${project.completionsPerTask} responses per task`}</span>
                <span className="mt-4 text-sm text-slate-700">
                  <strong className="tabular-nums">{project.tasksLeft}</strong> {project.tasksLeft === 1 ? 'task' : 'tasks'} left for you
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
