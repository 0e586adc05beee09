/** Projects: admins create and change them; annotators list and open them. */
import { z } from 'zod';
import { ZRatingForm } from '../../../lib/forms/schema';
import { listProjectsForAdmin, listProjectsForAnnotator } from '../../services/list-projects';
import { createProject, getProjectForAnnotator, updateProject } from '../../services/projects';
import { adminProcedure, annotatorProcedure, createTRPCRouter } from '../trpc';
import { ZProjectId, ZProjectInput, ZSafeText } from '../../../lib/validation';

/** An integer in [min, max]; any miss (not a number, a fraction, out of range) reads as one sentence. */
function wholeNumber(min: number, max: number, message: string) {
  return z.number({ error: message }).int(message).min(min, message).max(max, message);
}

/** Settings without defaults, so that a partial update never resets a field it does not name. */
const projectSettingsShape = {
  // Messages are sentences for the admin who typed the value: the project forms show them as they are.
  name: ZSafeText(200, 'A project name has at most 200 characters').trim().min(1, 'Give the project a name'),
  guidelines: ZSafeText(100_000, 'Guidelines are limited to 100,000 characters'),
  form: ZRatingForm,
  overlap: wholeNumber(1, 20, 'Overlap must be a whole number of annotators from 1 to 20'),
  completionsPerTask: wholeNumber(1, 9, 'Completions per task must be a whole number from 1 to 9'),
  leaseSeconds: wholeNumber(30, 24 * 60 * 60, 'The lease must be a whole number of seconds from 30 (half a minute) to 86,400 (a day)'),
  undoSeconds: wholeNumber(0, 60 * 60, 'The undo window must be a whole number of seconds from 0 to 3,600 (an hour)'),
};

export const ZCreateProjectInput = z.object({
  ...projectSettingsShape,
  guidelines: projectSettingsShape.guidelines.default(''),
  overlap: projectSettingsShape.overlap.default(1),
  leaseSeconds: projectSettingsShape.leaseSeconds.optional(),
  undoSeconds: projectSettingsShape.undoSeconds.optional(),
});
export type TCreateProjectInput = z.infer<typeof ZCreateProjectInput>;
export const ZUpdateProjectInput = z.object({ projectId: ZProjectId, ...z.object(projectSettingsShape).partial().shape });
export type TUpdateProjectInput = z.infer<typeof ZUpdateProjectInput>;

export const ZProjectAdmin = z.object({
  id: z.number(),
  name: z.string(),
  guidelines: z.string(),
  form: ZRatingForm,
  overlap: z.number(),
  completionsPerTask: z.number(),
  leaseSeconds: z.number(),
  undoSeconds: z.number(),
  createdAt: z.date(),
  updatedAt: z.date(),
});

const ZCounts = { total: z.number(), open: z.number(), done: z.number(), flagged: z.number() };
/** A project in the admin's list: its settings and form (no guidelines) with counts of its work. */
export const ZProjectAdminRow = ZProjectAdmin.omit({ guidelines: true }).extend({
  promptCount: z.number(),
  taskCounts: z.object(ZCounts),
  annotationCounts: z.object({ total: z.number(), submitted: z.number(), skipped: z.number(), flagged: z.number() }),
});

export const ZProjectForAnnotator = z.object({ id: z.number(), name: z.string(), guidelines: z.string(), form: ZRatingForm, completionsPerTask: z.number() });
export const ZProjectListItem = z.object({ id: z.number(), name: z.string(), completionsPerTask: z.number(), tasksLeft: z.number() });

export const projectsRouter = createTRPCRouter({
  /** Every project, with the open tasks this annotator has not answered yet. */
  list: annotatorProcedure.output(z.array(ZProjectListItem)).query(({ ctx }) => listProjectsForAnnotator({ userId: ctx.user.id })),

  get: annotatorProcedure
    .input(ZProjectInput)
    .output(ZProjectForAnnotator)
    .query(({ input }) => getProjectForAnnotator(input)),

  create: adminProcedure
    .input(ZCreateProjectInput)
    .output(ZProjectAdmin)
    .mutation(({ ctx, input }) => createProject({ ...input, createdById: ctx.user.id })),

  update: adminProcedure
    .input(ZUpdateProjectInput)
    .output(ZProjectAdmin)
    .mutation(({ input }) => updateProject(input)),

  adminList: adminProcedure.output(z.array(ZProjectAdminRow)).query(() => listProjectsForAdmin()),
});
