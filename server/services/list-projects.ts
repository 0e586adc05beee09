/** Project lists: the admin's (with counts of work) and the annotator's (with what is left for them). */
import { db } from '../db';
import { readStoredForm } from './projects';

export async function listProjectsForAdmin() {
  const [projects, taskGroups, annotationGroups, promptGroups] = await Promise.all([
    db.project.findMany({
      orderBy: { id: 'desc' },
      select: { id: true, name: true, form: true, overlap: true, completionsPerTask: true, leaseSeconds: true, undoSeconds: true, createdAt: true, updatedAt: true },
    }),
    db.task.groupBy({ by: ['projectId', 'status'], _count: { _all: true } }),
    db.annotation.groupBy({ by: ['projectId', 'status'], _count: { _all: true } }),
    db.prompt.groupBy({ by: ['projectId'], _count: { _all: true } }),
  ]);
  return projects.map((project) => {
    const tasks = taskGroups.filter((g) => g.projectId === project.id);
    const annotations = annotationGroups.filter((g) => g.projectId === project.id);
    const taskCount = (status: string) => tasks.find((g) => g.status === status)?._count._all ?? 0;
    const annotationCount = (status: string) => annotations.find((g) => g.status === status)?._count._all ?? 0;
    return {
      ...project,
      form: readStoredForm(project.form),
      promptCount: promptGroups.find((g) => g.projectId === project.id)?._count._all ?? 0,
      taskCounts: { total: tasks.reduce((sum, g) => sum + g._count._all, 0), open: taskCount('OPEN'), done: taskCount('DONE'), flagged: taskCount('FLAGGED') },
      annotationCounts: {
        total: annotations.reduce((sum, g) => sum + g._count._all, 0),
        submitted: annotationCount('SUBMITTED'),
        skipped: annotationCount('SKIPPED'),
        flagged: annotationCount('FLAGGED'),
      },
    };
  });
}

/**
 * Every project with the number of open tasks this annotator has not answered yet (some of them
 * may be leased to others at the moment; the queue decides what is served).
 */
export async function listProjectsForAnnotator(options: { userId: string }) {
  return db.$queryRaw<{ id: number; name: string; completionsPerTask: number; tasksLeft: number }[]>`
    SELECT p.id, p.name, p."completionsPerTask",
      (SELECT count(*)::int FROM "Task" t
        WHERE t."projectId" = p.id AND t.status = 'OPEN'
          AND NOT EXISTS (SELECT 1 FROM "Annotation" a WHERE a."taskId" = t.id AND a."userId" = ${options.userId})) AS "tasksLeft"
    FROM "Project" p
    ORDER BY p.id DESC`;
}
