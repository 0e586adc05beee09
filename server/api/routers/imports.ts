/** Imports of prompts and completions from JSONL and CSV files: preview, then commit (all-or-nothing). */
import { z } from 'zod';
import { commitImport } from '../../services/import/commit-import';
import { previewImport } from '../../services/import/preview-import';
import { DEFAULT_IMPORT_LIMITS, IMPORT_FORMATS, CHAT_ROLES } from '../../services/import/types';
import { adminProcedure, createTRPCRouter } from '../trpc';
import { ZDbId, ZSafeText } from '../../../lib/validation';

export const ZImportInput = z.object({
  projectId: ZDbId,
  fileName: ZSafeText(500).min(1),
  /** The file's text; its size in bytes is checked against the import limit while parsing, and a NUL or broken UTF-16 in a field is a line error there. */
  content: z.string().max(DEFAULT_IMPORT_LIMITS.maxFileBytes),
});
export type TImportInput = z.infer<typeof ZImportInput>;

const ZFormat = z.enum(IMPORT_FORMATS);
const ZLineError = z.object({ line: z.number(), message: z.string() });

export const ZImportPreview = z.object({
  format: ZFormat.nullable(),
  isValid: z.boolean(),
  promptCount: z.number(),
  completionCount: z.number(),
  taskCount: z.number(),
  /** The first 5 prompts, texts cut to 2,000 characters. */
  sample: z.array(
    z.object({
      line: z.number(),
      text: z.string(),
      messages: z.array(z.object({ role: z.enum(CHAT_ROLES), content: z.string() })).nullable(),
      externalId: z.string().nullable(),
      split: z.enum(['TRAIN', 'HELDOUT']),
      completions: z.array(z.string()),
    }),
  ),
  /** The first 20 errors in line order; errorCount counts them all. */
  errors: z.array(ZLineError),
  errorCount: z.number(),
});

export const ZImportResult = z.object({ importId: z.number(), format: ZFormat, promptCount: z.number(), completionCount: z.number(), taskCount: z.number() });

export const importsRouter = createTRPCRouter({
  preview: adminProcedure
    .input(ZImportInput)
    .output(ZImportPreview)
    .mutation(({ input }) => previewImport(input)),

  /** Invalid files fail with BAD_REQUEST; `error.data.details` holds {errors: [{line, message}], errorCount, format}. */
  commit: adminProcedure
    .input(ZImportInput)
    .output(ZImportResult)
    .mutation(({ ctx, input }) => commitImport({ ...input, userId: ctx.user.id })),
});
