/** Quality control for admins: agreement, the annotator quality table, position bias, consensus labels. */
import { z } from 'zod';
import { ZProjectId, ZSafeText } from '../../../lib/validation';
import { projectAgreement } from '../../quality/agreement';
import { annotatorQuality } from '../../quality/annotator-quality';
import { consensusPreview } from '../../quality/consensus';
import { positionBias } from '../../quality/position-bias';
import { adminProcedure, createTRPCRouter } from '../trpc';

const ZEstimate = z.object({ value: z.number(), low: z.number().nullable(), high: z.number().nullable() }).nullable();
const ZLevel = z.enum(['nominal', 'ordinal', 'interval', 'ratio']);
const ZQuestionType = z.enum(['pairwise', 'thumbs', 'likert', 'attributes', 'ranking']);
const ZMeasureKey = ZSafeText(100).min(1);

export const ZAgreementInput = z.object({ projectId: ZProjectId, heatmapKey: ZMeasureKey.optional() });
export const ZAgreement = z.object({
  measures: z.array(
    z.object({
      key: z.string(),
      label: z.string(),
      questionType: ZQuestionType,
      level: ZLevel,
      kappaWeights: z.enum(['none', 'linear', 'quadratic']),
      units: z.number(),
      values: z.number(),
      alpha: ZEstimate,
      percentAgreement: ZEstimate,
      meanKappa: ZEstimate,
      pairs: z.number(),
    }),
  ),
  heatmap: z
    .object({
      measureKey: z.string(),
      label: z.string(),
      annotators: z.array(z.object({ userId: z.string(), name: z.string() })),
      pairs: z.array(z.object({ a: z.string(), b: z.string(), units: z.number(), agreement: z.number(), kappa: ZEstimate })),
    })
    .nullable(),
});

const ZPositionBiasRow = z.object({
  firstPicks: z.number(),
  picks: z.number(),
  share: z.number().nullable(),
  chance: z.number(),
  pValue: z.number(),
  method: z.enum(['exact', 'normal']),
  isFlagged: z.boolean(),
});
export const ZPositionBias = z
  .object({
    questionId: z.string(),
    questionType: z.enum(['pairwise', 'ranking']),
    project: ZPositionBiasRow,
    annotators: z.array(ZPositionBiasRow.extend({ userId: z.string(), name: z.string() })),
  })
  .nullable();

export const ZAnnotatorQuality = z.object({
  measureKey: z.string().nullable(),
  readingCharsPerSecond: z.number(),
  annotators: z.array(
    z.object({
      userId: z.string(),
      name: z.string(),
      submitted: z.number(),
      agreement: z.number().nullable(),
      comparisons: z.number(),
      meanKappa: z.number().nullable(),
      estimatedAccuracy: z.number().nullable(),
      medianTimeMs: z.number().nullable(),
      fastAnswers: z.number(),
      positionBias: ZPositionBiasRow.nullable(),
      goldAnswered: z.number(),
      goldAccuracy: z.number().nullable(),
      reviewed: z.number(),
      reviewAcceptance: z.number().nullable(),
    }),
  ),
});

export const ZConsensusPreviewInput = z.object({ projectId: ZProjectId, measureKey: ZMeasureKey.optional() });
export const ZConsensusPreview = z
  .object({
    measureKey: z.string(),
    label: z.string(),
    method: z.enum(['dawid-skene', 'weighted-mean']),
    items: z.number(),
    majorityLabelled: z.number().nullable(),
    disagreements: z.number().nullable(),
    iterations: z.number().nullable(),
    classes: z.array(z.object({ label: z.string(), prior: z.number() })).nullable(),
    annotators: z.array(z.object({ userId: z.string(), name: z.string(), answers: z.number(), estimatedAccuracy: z.number().nullable(), weight: z.number().nullable() })),
    sample: z.array(z.object({ taskId: z.number(), completionId: z.number().nullable(), majority: z.string().nullable(), consensus: z.string(), confidence: z.number().nullable() })),
  })
  .nullable();

export const qualityRouter = createTRPCRouter({
  agreement: adminProcedure
    .input(ZAgreementInput)
    .output(ZAgreement)
    .query(({ ctx, input }) => projectAgreement({ db: ctx.db, projectId: input.projectId, heatmapKey: input.heatmapKey })),

  annotatorQuality: adminProcedure
    .input(z.object({ projectId: ZProjectId }))
    .output(ZAnnotatorQuality)
    .query(({ ctx, input }) => annotatorQuality({ db: ctx.db, projectId: input.projectId })),

  positionBias: adminProcedure
    .input(z.object({ projectId: ZProjectId }))
    .output(ZPositionBias)
    .query(({ ctx, input }) => positionBias({ db: ctx.db, projectId: input.projectId })),

  consensusPreview: adminProcedure
    .input(ZConsensusPreviewInput)
    .output(ZConsensusPreview)
    .query(({ ctx, input }) => consensusPreview({ db: ctx.db, projectId: input.projectId, measureKey: input.measureKey })),
});
