/**
 * Projects: created and changed by admins; read by annotators through a narrow select.
 */
import { db } from '../db';
import { AppError } from '../errors';
import { checkCompletionsPerTask, ZRatingForm, type RatingForm } from '../../lib/forms/schema';

export const projectAdminSelect = {
  id: true,
  name: true,
  guidelines: true,
  form: true,
  overlap: true,
  completionsPerTask: true,
  leaseSeconds: true,
  undoSeconds: true,
  createdAt: true,
  updatedAt: true,
} as const;

/** What an annotator needs to work on a project; nothing about other people or the admin settings. */
export const projectAnnotatorSelect = { id: true, name: true, guidelines: true, form: true, completionsPerTask: true } as const;

export type ProjectSettings = {
  name: string;
  guidelines: string;
  form: RatingForm;
  overlap: number;
  completionsPerTask: number;
  leaseSeconds?: number;
  undoSeconds?: number;
};

function assertFormFits(form: RatingForm, completionsPerTask: number) {
  const problem = checkCompletionsPerTask(form, completionsPerTask);
  if (problem) throw new AppError('BAD_REQUEST', problem);
}

/** Stored forms were validated on write; parsing again fills defaults and guards against hand edits. */
export function readStoredForm(form: unknown): RatingForm {
  return ZRatingForm.parse(form);
}

export async function createProject(options: ProjectSettings & { createdById: string | null }) {
  assertFormFits(options.form, options.completionsPerTask);
  const project = await db.project.create({ data: options, select: projectAdminSelect });
  return { ...project, form: readStoredForm(project.form) };
}

const questionShape = (form: RatingForm) => form.questions.map((q) => `${q.id}:${q.type}`).join(',');

/**
 * Changes a project's settings. Once tasks exist their number of completions is fixed; once
 * answers exist the form keeps its question ids and types (labels, ranges and texts may change),
 * so earlier answers stay readable. A new overlap re-evaluates which tasks are done.
 */
export async function updateProject(options: { projectId: number } & Partial<ProjectSettings>) {
  const { projectId, ...changes } = options;
  const current = await db.project.findUnique({
    where: { id: projectId },
    select: { form: true, completionsPerTask: true, overlap: true, _count: { select: { tasks: true, annotations: true } } },
  });
  if (!current) throw new AppError('NOT_FOUND', `No project ${projectId}`);
  const currentForm = readStoredForm(current.form);
  const completionsPerTask = changes.completionsPerTask ?? current.completionsPerTask;
  const form = changes.form ?? currentForm;

  if (completionsPerTask !== current.completionsPerTask && current._count.tasks > 0) {
    throw new AppError('CONFLICT', `This project already has ${current._count.tasks} tasks of ${current.completionsPerTask} completions; create a new project to show ${completionsPerTask}`);
  }
  if (changes.form && current._count.annotations > 0 && questionShape(form) !== questionShape(currentForm)) {
    throw new AppError('CONFLICT', 'This project already has answers: keep the question ids and types (labels and ranges may change), or create a new project');
  }
  assertFormFits(form, completionsPerTask);

  return db.$transaction(async (tx) => {
    const project = await tx.project.update({ where: { id: projectId }, data: changes, select: projectAdminSelect });
    if (changes.overlap !== undefined && changes.overlap !== current.overlap) {
      // Flagged tasks stay flagged: only an admin's reopen returns them to the queue.
      await tx.task.updateMany({ where: { projectId, status: 'OPEN', submittedCount: { gte: changes.overlap } }, data: { status: 'DONE' } });
      await tx.task.updateMany({ where: { projectId, status: 'DONE', submittedCount: { lt: changes.overlap } }, data: { status: 'OPEN' } });
    }
    return { ...project, form: readStoredForm(project.form) };
  });
}

export async function getProjectForAnnotator(options: { projectId: number }) {
  const project = await db.project.findUnique({ where: { id: options.projectId }, select: projectAnnotatorSelect });
  if (!project) throw new AppError('NOT_FOUND', `No project ${options.projectId}`);
  return { ...project, form: readStoredForm(project.form) };
}
