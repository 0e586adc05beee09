'use client';
/** The admin home: every project with its form type, overlap, task counts and annotations. */
import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/app/_trpc/react';
import { ErrorBox } from './error-box';
import { describeForm } from './form-summary';
import { cardClass, tableClass, tdClass, thClass } from './ui';

export function ProjectsTable() {
  const trpc = useTRPC();
  const projects = useQuery(trpc.projects.adminList.queryOptions());
  if (projects.error) return <ErrorBox error={projects.error} />;
  if (!projects.data) return <p className="text-sm text-slate-500">Loading projects…</p>;
  if (projects.data.length === 0) {
    return (
      <div className={`${cardClass} p-8 text-center text-sm text-slate-500`} data-testid="admin-projects-empty">
        No projects yet. Create one, then import prompts and completions into it.
      </div>
    );
  }
  return (
    <div className={`${cardClass} overflow-x-auto`}>
      <table className={tableClass}>
        <thead>
          <tr>
            <th className={thClass}>Project</th>
            <th className={thClass}>Form</th>
            <th className={`${thClass} text-right`}>Overlap</th>
            <th className={`${thClass} text-right`}>Open</th>
            <th className={`${thClass} text-right`}>Done</th>
            <th className={`${thClass} text-right`}>Flagged</th>
            <th className={`${thClass} text-right`}>Annotations</th>
          </tr>
        </thead>
        <tbody>
          {projects.data.map((project) => (
            <tr key={project.id} data-testid={`admin-project-row-${project.id}`} className="hover:bg-slate-50">
              <td className={tdClass}>
                <Link href={`/admin/projects/${project.id}`} className="font-medium text-indigo-700 hover:underline">
                  {project.name}
                </Link>
                <span className="ml-2 text-xs text-slate-400">#{project.id}</span>
              </td>
              <td className={tdClass}>
                <span>{describeForm(project.form)}</span>
                <span className="ml-1 text-xs text-slate-400">· k={project.completionsPerTask}</span>
              </td>
              <td className={`${tdClass} text-right tabular-nums`}>{project.overlap}</td>
              <td className={`${tdClass} text-right tabular-nums`}>{project.taskCounts.open}</td>
              <td className={`${tdClass} text-right tabular-nums`}>{project.taskCounts.done}</td>
              <td className={`${tdClass} text-right tabular-nums ${project.taskCounts.flagged ? 'font-medium text-amber-700' : ''}`}>{project.taskCounts.flagged}</td>
              <td className={`${tdClass} text-right tabular-nums`}>{project.annotationCounts.total}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
