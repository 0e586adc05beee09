import { db } from '../../db';
import { AppError } from '../../errors';
import { readStoredForm } from '../projects';

/** The project an import goes into: how many completions a task shows, the form judgements must fit, the overlap they count toward. */
export async function findImportProject(projectId: number) {
  const project = await db.project.findUnique({ where: { id: projectId }, select: { id: true, completionsPerTask: true, overlap: true, form: true } });
  if (!project) throw new AppError('NOT_FOUND', `No project ${projectId}`);
  const form = readStoredForm(project.form);
  return { ...project, form, isPairwiseForm: form.questions.some((q) => q.type === 'pairwise') };
}
