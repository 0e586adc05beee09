/** Projects: admins create and change them; annotators list and open them. */
import { z } from 'zod';
import { ZRatingForm } from '../../../lib/forms/schema';
import { listProjectsForAdmin, listProjectsForAnnotator } from '../../services/list-projects';
import { createProject, getProjectForAnnotator, updateProject } from '../../services/projects';
import { adminProcedure, annotatorProcedure, createTRPCRouter } from '../trpc';
import { ZProjectId, ZProjectInput, ZSafeText } from '../../../lib/validation';

/** Settings without defaults, so that a partial update never resets a field it does not name. */
const projectSettingsShape = {
  name: ZSafeText(200).trim().min(1),
  guidelines: ZSafeText(100_000, 'guidelines are limited to 100,000 characters'),
  form: ZRatingForm,
  overlap: z.number().int().min(1).max(20),
  completionsPerTask: z.number().int().min(1).max(9),
  leaseSeconds: z
    .number()
    .int()
    .min(30)
    .max(24 * 60 * 60),
  undoSeconds: z
    .number()
    .int()
    .min(0)
    .max(60 * 60),
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
