import { db } from '../../db';
import { AppError } from '../../errors';

/** The project an import goes into; imports need to know how many completions a task shows. */
export async function findImportProject(projectId: number) {
  const project = await db.project.findUnique({ where: { id: projectId }, select: { id: true, completionsPerTask: true } });
  if (!project) throw new AppError('NOT_FOUND', `No project ${projectId}`);
  return project;
}
