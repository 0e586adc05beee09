/** Training rounds, model versions, generation and the worker queue: admins only. */
import { z } from 'zod';
import { ZGenerationSettings, ZRoundConfig, ZRoundSchedule } from '../../jobs/contracts';
import {
  cancelJob,
  cancelRound,
  compareVersions,
  getRound,
  getTrainingOverview,
  getTrainingSettings,
  getJob,
  getWorkersAndQueue,
  promoteVersion,
  queueEvaluation,
  queueGeneration,
  resetToBaseModel,
  setProjectSecret,
  startRound,
  updateTrainingSettings,
} from '../../services/training-rounds';
import { adminProcedure, createTRPCRouter } from '../trpc';
import { ZDbId, ZProjectId, ZProjectInput, ZSafeText } from '../../../lib/validation';

export const trainingRouter = createTRPCRouter({
  overview: adminProcedure.input(ZProjectInput).query(({ input }) => getTrainingOverview(input)),
  round: adminProcedure.input(z.object({ runId: ZDbId })).query(({ input }) => getRound(input)),
  startRound: adminProcedure
    .input(z.object({ projectId: ZProjectId, config: ZRoundConfig }))
    .mutation(({ ctx, input }) => startRound({ projectId: input.projectId, config: input.config, userId: ctx.user.id })),
  cancelRound: adminProcedure.input(z.object({ runId: ZDbId })).mutation(({ input }) => cancelRound(input)),

  compare: adminProcedure.input(z.object({ versionIds: z.array(ZDbId).min(1).max(4) })).query(({ input }) => compareVersions(input)),
  promote: adminProcedure.input(z.object({ versionId: ZDbId })).mutation(({ ctx, input }) => promoteVersion({ versionId: input.versionId, userId: ctx.user.id })),
  resetToBase: adminProcedure.input(ZProjectInput).mutation(({ input }) => resetToBaseModel(input)),

  generate: adminProcedure.input(ZProjectInput).mutation(({ ctx, input }) => queueGeneration({ projectId: input.projectId, userId: ctx.user.id })),
  settings: adminProcedure.input(ZProjectInput).query(({ input }) => getTrainingSettings(input)),
  updateSettings: adminProcedure
    .input(z.object({ projectId: ZProjectId, generation: ZGenerationSettings.optional(), roundSchedule: ZRoundSchedule.optional(), autoContinue: z.boolean().optional() }))
    .mutation(({ input }) => updateTrainingSettings(input)),
  setSecret: adminProcedure
    .input(
      z.object({
        projectId: ZProjectId,
        name: z.string().regex(/^[A-Za-z0-9_]{1,64}$/, 'letters, digits and _ (max 64)'),
        value: ZSafeText(4096)
          .min(1)
          .refine((v) => !/[\r\n]/.test(v), 'one line')
          .nullable(),
      }),
    )
    .mutation(({ input }) => setProjectSecret(input)),

  evaluate: adminProcedure
    .input(z.object({ projectId: ZProjectId, versionIds: z.array(ZDbId).min(1).max(4), prompts: z.number().int().min(1).max(10_000).default(200) }))
    .mutation(({ ctx, input }) => queueEvaluation({ ...input, userId: ctx.user.id })),
  job: adminProcedure.input(z.object({ jobId: ZDbId })).query(({ input }) => getJob(input)),
  workers: adminProcedure.query(() => getWorkersAndQueue()),
  cancelJob: adminProcedure.input(z.object({ jobId: ZDbId })).mutation(({ input }) => cancelJob(input)),
});
