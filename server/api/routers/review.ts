/** The review queue: reviewers and admins accept, reject (with a reason) or correct submitted answers. */
import { z } from 'zod';
import { createTRPCRouter, reviewerProcedure } from '../trpc';
import { ZAnswer, ZRatingForm } from '../../../lib/forms/schema';
import { ZDbId, ZProjectId, ZSafeText } from '../../../lib/validation';
import { findAnnotationHistory, findNextForReview, listReviewProjects, reviewAnnotation } from '../../services/review/reviews';

const ZDecision = z.enum(['ACCEPT', 'REJECT', 'CORRECT']);

export const ZReviewItem = z.object({
  annotationId: z.number().int(),
  projectId: z.number().int(),
  taskId: z.number().int(),
  form: ZRatingForm,
  prompt: z.object({ text: z.string(), messages: z.array(z.object({ role: z.string(), content: z.string() })).nullable() }),
  completions: z.array(z.object({ id: z.number().int(), text: z.string() })),
  answer: ZAnswer,
  submittedAt: z.date(),
  timeSpentMs: z.number().int(),
  pending: z.number().int(),
});

export const ZReviewInput = z.object({
  annotationId: ZDbId,
  decision: ZDecision,
  reason: ZSafeText(1000).optional(),
  correctedAnswer: ZAnswer.optional(),
});

const ZHistoryEntry = z.object({
  reviewId: z.number().int(),
  decision: ZDecision,
  reason: z.string().nullable(),
  reviewer: z.object({ id: z.string(), name: z.string() }),
  before: ZAnswer.nullable(),
  after: ZAnswer.nullable(),
  createdAt: z.date(),
});

export const reviewRouter = createTRPCRouter({
  /** Projects with how many answers wait for review in each. */
  projects: reviewerProcedure
    .output(z.array(z.object({ projectId: z.number().int(), name: z.string(), pending: z.number().int() })))
    .query(({ ctx }) => listReviewProjects({ reviewerId: ctx.user.id })),

  /** The oldest answer in the project waiting for review (never one of mine), or null. */
  next: reviewerProcedure
    .input(z.object({ projectId: ZProjectId, excludeAnnotationIds: z.array(ZDbId).max(200).default([]) }))
    .output(ZReviewItem.nullable())
    .query(({ ctx, input }) => findNextForReview({ projectId: input.projectId, reviewerId: ctx.user.id, excludeAnnotationIds: input.excludeAnnotationIds })),

  /** Writes one review row; a rejection returns the task to the queue. */
  decide: reviewerProcedure
    .input(ZReviewInput)
    .output(z.object({ reviewId: z.number().int(), annotationId: z.number().int(), decision: ZDecision, taskReturnedToQueue: z.boolean() }))
    .mutation(({ ctx, input }) => reviewAnnotation({ ...input, reviewerId: ctx.user.id })),

  /** Every review of an answer: who, when, before and after. */
  history: reviewerProcedure
    .input(z.object({ annotationId: ZDbId }))
    .output(
      z.object({
        annotationId: z.number().int(),
        original: ZAnswer.nullable(),
        submittedAt: z.date(),
        current: ZAnswer.nullable(),
        isRejected: z.boolean(),
        reviews: z.array(ZHistoryEntry),
      }),
    )
    .query(({ input }) => findAnnotationHistory(input)),
});
