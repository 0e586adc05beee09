/** Gold (check) tasks: what an admin marks, imports and sets, and who is paused for low gold accuracy. */
import { z } from 'zod';
import { adminProcedure, createTRPCRouter } from '../trpc';
import { ZAnswer } from '../../../lib/forms/schema';
import { ZDbId, ZProjectId, ZProjectInput, ZSafeText } from '../../../lib/validation';
import {
  getGoldSettings,
  importGoldTasks,
  listGoldTasks,
  listPausedAnnotators,
  markGoldTask,
  resumeAnnotator,
  unmarkGoldTask,
  updateGoldSettings,
  ZGoldSettings,
  ZGoldTolerance,
} from '../../services/gold/gold-tasks';
import { goldAccuracyByAnnotator } from '../../quality/gold-accuracy';
import { db } from '../../db';

const ZUserId = ZSafeText(200).min(1);
/** A JSONL upload of gold tasks: 1,000 lines of a few KB each at most. */
const MAX_IMPORT_CHARS = 4_000_000;

export const ZMarkGoldInput = z.object({ projectId: ZProjectId, taskId: ZDbId, expected: ZAnswer, tolerance: ZGoldTolerance.default({ score: 0, ranking: 0 }) });
export const ZGoldTaskRow = z.object({
  taskId: z.number().int(),
  promptText: z.string(),
  completionIds: z.array(z.number().int()),
  expected: ZAnswer,
  tolerance: ZGoldTolerance,
  answered: z.number().int(),
  correct: z.number().int(),
  createdAt: z.date(),
});
export const ZGoldAccuracyRow = z.object({
  userId: z.string(),
  name: z.string(),
  goldAnswered: z.number().int(),
  goldCorrect: z.number().int(),
  accuracy: z.number().nullable(),
  paused: z.boolean(),
  pausedAt: z.date().nullable(),
});

export const goldRouter = createTRPCRouter({
  list: adminProcedure
    .input(ZProjectInput)
    .output(z.array(ZGoldTaskRow))
    .query(({ input }) => listGoldTasks(input)),

  /** Makes a task of the project a gold task (or changes its expected answer and tolerance). */
  mark: adminProcedure
    .input(ZMarkGoldInput)
    .output(z.object({ taskId: z.number().int() }))
    .mutation(({ ctx, input }) => markGoldTask({ ...input, actorId: ctx.user.id })),

  unmark: adminProcedure
    .input(z.object({ taskId: ZDbId }))
    .output(z.object({ taskId: z.number().int() }))
    .mutation(({ ctx, input }) => unmarkGoldTask({ taskId: input.taskId, actorId: ctx.user.id })),

  /** JSONL: one {"taskId", "expected", "tolerance"?} per line; all lines or none. */
  import: adminProcedure
    .input(z.object({ projectId: ZProjectId, content: ZSafeText(MAX_IMPORT_CHARS).min(1) }))
    .output(z.object({ imported: z.number().int() }))
    .mutation(({ ctx, input }) => importGoldTasks({ ...input, actorId: ctx.user.id })),

  settings: adminProcedure
    .input(ZProjectInput)
    .output(ZGoldSettings)
    .query(({ input }) => getGoldSettings(input)),

  updateSettings: adminProcedure
    .input(ZGoldSettings.extend({ projectId: ZProjectId }))
    .output(ZGoldSettings)
    .mutation(({ ctx, input }) => {
      const { projectId, ...settings } = input;
      return updateGoldSettings({ projectId, settings, actorId: ctx.user.id });
    }),

  /** Gold accuracy per annotator, with who is paused now. */
  accuracy: adminProcedure
    .input(ZProjectInput)
    .output(z.array(ZGoldAccuracyRow))
    .query(async ({ input }) => {
      const [rows, paused] = await Promise.all([goldAccuracyByAnnotator(input.projectId), listPausedAnnotators(input)]);
      const users = await db.user.findMany({ where: { id: { in: rows.map((r) => r.userId) } }, select: { id: true, name: true } });
      const names = new Map(users.map((u) => [u.id, u.name]));
      const pausedAt = new Map(paused.map((p) => [p.userId, p.pausedAt]));
      return rows.map((r) => ({ ...r, name: names.get(r.userId) ?? r.userId, pausedAt: pausedAt.get(r.userId) ?? null }));
    }),

  /** Lifts an annotator's pause in the project (audited); their gold accuracy counts afresh. */
  resume: adminProcedure
    .input(z.object({ projectId: ZProjectId, userId: ZUserId }))
    .output(z.object({ userId: z.string(), resumed: z.boolean() }))
    .mutation(({ ctx, input }) => resumeAnnotator({ ...input, actorId: ctx.user.id })),
});
