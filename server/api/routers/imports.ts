/**
 * Imports of prompts and completions (and the judgements other tools recorded about them) from
 * JSONL, JSON and CSV files: preview, then commit (all-or-nothing).
 */
import { z } from 'zod';
import { commitImport } from '../../services/import/commit-import';
import { previewImport } from '../../services/import/preview-import';
import { DEFAULT_IMPORT_LIMITS, IMPORT_FORMATS, CHAT_ROLES } from '../../services/import/types';
import { adminProcedure, createTRPCRouter } from '../trpc';
import { ZDbId, ZSafeText } from '../../../lib/validation';

const ZFormat = z.enum(IMPORT_FORMATS);
const ZColumn = ZSafeText(200).min(1);

/** CSV header names mapped to fields: a prompt, and one completion (with an optional label), several completions, or chosen + rejected. */
export const ZCsvMapping = z.object({
  prompt: ZColumn,
  completion: ZColumn.optional(),
  completions: z.array(ZColumn).min(1).max(9).optional(),
  chosen: ZColumn.optional(),
  rejected: ZColumn.optional(),
  label: ZColumn.optional(),
  id: ZColumn.optional(),
  split: ZColumn.optional(),
});

export const ZImportInput = z.object({
  projectId: ZDbId,
  fileName: ZSafeText(500).min(1),
  /** The file's text; its size in bytes is checked against the import limit while parsing, and a NUL or broken UTF-16 in a field is a line error there. */
  content: z.string().max(DEFAULT_IMPORT_LIMITS.maxFileBytes),
  /** Detected from the content when absent. */
  format: ZFormat.optional(),
  /** A CSV column mapping (implies the csv-mapped format). */
  mapping: ZCsvMapping.optional(),
  /** Write the file's judgements as annotations of the source's pseudo-annotator (on by default). */
  importJudgements: z.boolean().default(true),
});
export type TImportInput = z.infer<typeof ZImportInput>;

/** A line's problem; `keys` when the record (or CSV header) has none of the known shapes: what it has and what the formats need. */
const ZLineError = z.object({
  line: z.number(),
  message: z.string(),
  keys: z.object({ kind: z.enum(['keys', 'columns']), found: z.array(z.string()), expected: z.array(z.string()) }).optional(),
});
const ZJudgement = z.discriminatedUnion('type', [z.object({ type: z.literal('order'), order: z.array(z.number()) }), z.object({ type: z.literal('labels'), labels: z.array(z.enum(['up', 'down'])) })]);

export const ZImportPreview = z.object({
  format: ZFormat.nullable(),
  isValid: z.boolean(),
  promptCount: z.number(),
  completionCount: z.number(),
  taskCount: z.number(),
  /** The first 5 prompts, texts cut to 2,000 characters; `judgement` refers to completions by index. */
  sample: z.array(
    z.object({
      line: z.number(),
      text: z.string(),
      messages: z.array(z.object({ role: z.enum(CHAT_ROLES), content: z.string() })).nullable(),
      externalId: z.string().nullable(),
      split: z.enum(['TRAIN', 'HELDOUT']),
      completions: z.array(z.string()),
      judgement: ZJudgement.nullable(),
    }),
  ),
  judgements: z.object({ annotatorName: z.string().nullable(), count: z.number(), problem: z.string().nullable() }),
  csvColumns: z.array(z.string()).nullable(),
  /** The first 20 errors in file order; errorCount counts them all. */
  errors: z.array(ZLineError),
  errorCount: z.number(),
  errorUnit: z.enum(['line', 'index']),
});

export const ZImportResult = z.object({
  importId: z.number(),
  format: ZFormat,
  promptCount: z.number(),
  completionCount: z.number(),
  taskCount: z.number(),
  annotationCount: z.number(),
  annotatorName: z.string().nullable(),
});

export const importsRouter = createTRPCRouter({
  preview: adminProcedure
    .input(ZImportInput)
    .output(ZImportPreview)
    .mutation(({ input }) => previewImport(input)),

  /**
   * Invalid files fail with BAD_REQUEST; `error.data.details` holds {errors: [{line, message}], errorCount, format}
   * (and `unit: "index"` for JSON arrays). Judgements the form cannot hold fail with BAD_REQUEST and `details.judgementProblem`.
   */
  commit: adminProcedure
    .input(ZImportInput)
    .output(ZImportResult)
    .mutation(({ ctx, input }) => commitImport({ ...input, userId: ctx.user.id })),
});
