/** GET /api/v1/projects: what a script needs to pick a project (id, name, form summary, counts). */
import { listProjectsForAdmin } from '../../services/list-projects';
import type { RatingForm } from '../../../lib/forms/schema';

export type ApiProject = {
  id: number;
  name: string;
  form: { summary: string; questions: { id: string; type: string; label: string }[] };
  completionsPerTask: number;
  overlap: number;
  counts: { prompts: number; tasks: { total: number; open: number; done: number; flagged: number }; annotations: { total: number; submitted: number; skipped: number; flagged: number } };
  createdAt: string;
};

/** "pairwise", "likert + critique": the form's question types in order, once each. */
export function summariseForm(form: RatingForm): string {
  return [...new Set(form.questions.map((q) => q.type))].join(' + ');
}

export async function listApiProjects(): Promise<ApiProject[]> {
  const projects = await listProjectsForAdmin();
  return projects.map((p) => ({
    id: p.id,
    name: p.name,
    form: { summary: summariseForm(p.form), questions: p.form.questions.map((q) => ({ id: q.id, type: q.type, label: q.label })) },
    completionsPerTask: p.completionsPerTask,
    overlap: p.overlap,
    counts: { prompts: p.promptCount, tasks: p.taskCounts, annotations: p.annotationCounts },
    createdAt: p.createdAt.toISOString(),
  }));
}
