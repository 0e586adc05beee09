/**
 * Dataset snapshots, export previews and export jobs (admins only); downloads go through
 * /api/datasets/<id>/export (streamed) and /api/datasets/exports/<jobId> (a finished job's file).
 */
import { z } from 'zod';
import { ZDbId, ZSafeText } from '../../../lib/validation';
import { assertEncodingAllowed, previewSnapshot } from '../../datasets/export';
import { EXPORT_ENCODINGS, EXPORT_FORMATS, FORMAT_INFO, ZExportOptions } from '../../datasets/formats';
import { createSnapshot, getSnapshot, listSnapshots, ZSnapshotFilters } from '../../datasets/snapshots';
import { listExportJobs, startExportJob, ZExportJobOutput, ZStartExportInput } from '../../datasets/export-jobs';
import { adminProcedure, createTRPCRouter } from '../trpc';

export const ZExportFormat = z.enum(EXPORT_FORMATS);
export const ZExportEncoding = z.enum(EXPORT_ENCODINGS);

const ZSnapshotCounts = z.object({
  annotations: z.number(),
  trainAnnotations: z.number(),
  testAnnotations: z.number(),
  trainPairs: z.number(),
  heldoutPairs: z.number(),
  sft: z.number(),
  kto: z.number(),
});

export const ZSnapshotOutput = z.object({
  id: z.number(),
  projectId: z.number(),
  name: z.string().nullable(),
  createdAt: z.date(),
  contentHash: z.string(),
  counts: ZSnapshotCounts.partial(),
  filters: z.object({
    before: z.string(),
    from: z.string().optional(),
    to: z.string().optional(),
    annotatorCount: z.number().optional(),
    questionId: z.string().optional(),
    minAgreement: z.number().optional(),
    agreementQuestionId: z.string().nullable().optional(),
    excludeFlagged: z.boolean().optional(),
    labelSource: z.enum(['majority', 'dawid-skene']).optional(),
    weightByConfidence: z.boolean().optional(),
    weightQuestionId: z.string().optional(),
    split: z.union([z.object({ mode: z.literal('prompt') }), z.object({ mode: z.literal('hash'), testPercent: z.number(), seed: z.number() })]),
  }),
  runs: z.array(z.object({ id: z.number(), number: z.number(), status: z.string() })),
  versions: z.array(z.object({ id: z.number(), name: z.string(), kind: z.string(), status: z.string() })),
});

export const ZCreateSnapshotInput = z.object({
  projectId: ZDbId,
  name: ZSafeText(120).trim().min(1, 'Give the snapshot a name').optional(),
  filters: ZSnapshotFilters.default({ excludeFlagged: false, split: { mode: 'prompt' } }),
});
export type TCreateSnapshotInput = z.infer<typeof ZCreateSnapshotInput>;

export const ZPreviewInput = z
  .object({ snapshotId: ZDbId, format: ZExportFormat, options: ZExportOptions.default({ split: 'all', rankingPairs: 'all', includeTies: false, includeBothBad: false, margin: false }) })
  .strict();

const ZFormatList = z.array(
  z.object({
    format: ZExportFormat,
    label: z.string(),
    description: z.string(),
    encodings: z.array(ZExportEncoding),
    options: z.array(z.string()),
    fields: z.record(z.string(), z.string()),
  }),
);

export const datasetsRouter = createTRPCRouter({
  /** The export formats, with the encodings and options each allows. */
  formats: adminProcedure
    .output(ZFormatList)
    .query(() => EXPORT_FORMATS.map((format) => ({ format, ...FORMAT_INFO[format], encodings: [...FORMAT_INFO[format].encodings], options: [...FORMAT_INFO[format].options] }))),

  list: adminProcedure
    .input(z.object({ projectId: ZDbId }))
    .output(z.array(ZSnapshotOutput))
    .query(({ ctx, input }) => listSnapshots({ db: ctx.db, projectId: input.projectId })),

  get: adminProcedure
    .input(z.object({ snapshotId: ZDbId }))
    .output(ZSnapshotOutput)
    .query(({ ctx, input }) => getSnapshot({ db: ctx.db, snapshotId: input.snapshotId })),

  create: adminProcedure
    .input(ZCreateSnapshotInput)
    .output(ZSnapshotOutput)
    .mutation(async ({ ctx, input }) => {
      const { snapshotId } = await createSnapshot({ db: ctx.db, projectId: input.projectId, name: input.name ?? null, filters: input.filters, createdById: ctx.user.id });
      return getSnapshot({ db: ctx.db, snapshotId });
    }),

  /** The first 20 rows of a format, as the exporter writes them (JSON values). */
  preview: adminProcedure
    .input(ZPreviewInput)
    .output(z.object({ columns: z.array(z.string()), rows: z.array(z.record(z.string(), z.unknown())) }))
    .query(({ ctx, input }) => {
      assertEncodingAllowed(input.format, 'jsonl');
      return previewSnapshot({ db: ctx.db, snapshotId: input.snapshotId, format: input.format, options: input.options, limit: 20 });
    }),

  /** Queues an export as a background job (a worker writes the file; download it from /api/datasets/exports/<jobId>). */
  startExport: adminProcedure
    .input(ZStartExportInput)
    .output(z.object({ jobId: z.number() }))
    .mutation(({ ctx, input }) => startExportJob({ db: ctx.db, input, userId: ctx.user.id })),

  /** The project's export jobs, newest first, with progress while running and the file once done. */
  exportJobs: adminProcedure
    .input(z.object({ projectId: ZDbId }))
    .output(z.array(ZExportJobOutput))
    .query(({ ctx, input }) => listExportJobs({ db: ctx.db, projectId: input.projectId })),
});
