/**
 * Zod building blocks for values that end up in PostgreSQL: ids and stored text.
 *
 * Why they exist: `z.number().int()` accepts up to 2^53 while every id column is a 32-bit integer,
 * and PostgreSQL refuses U+0000 in text and `\u0000` or an unpaired surrogate escape in jsonb.
 * Such values passed the schemas and failed in the database, as 500s; with these they fail at the
 * boundary, as 400s with a message.
 *
 * Why here (a neutral folder, pure zod, no imports from server/ or app/): the routers, the job
 * contract (and so the trainer) and the rating form schema that the browser imports all use them,
 * and a module the browser loads must not live among the server's files.
 */
import { z } from 'zod';

/** The largest value of a PostgreSQL `integer` (a serial id, a 32-bit count). */
export const MAX_DB_INT = 2_147_483_647;

/** A row id: an integer from 1 to 2,147,483,647. */
export const ZDbId = z.number().int().min(1, 'must be an id (an integer from 1 to 2,147,483,647)').max(MAX_DB_INT, 'must be an id (an integer from 1 to 2,147,483,647)');

/** A project's id, and the input of every procedure that takes only a project (one definition for all routers). */
export const ZProjectId = ZDbId;
export const ZProjectInput = z.object({ projectId: ZProjectId });

// A high surrogate not followed by a low one, or a low surrogate not preceded by a high one
// (no `u` flag: the pattern works on UTF-16 code units).
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string cannot be stored as text or inside JSON (a NUL or an unpaired surrogate), or null when it can. */
export function findUnsafeCharacter(text: string): string | null {
  if (text.includes('\u0000')) return 'contains a NUL character (U+0000)';
  if (UNPAIRED_SURROGATE.test(text)) return 'contains an unpaired surrogate (broken UTF-16)';
  return null;
}

/** A string of at most `max` characters that PostgreSQL can store: no NUL, no unpaired surrogate. Chain `.trim()`, `.min()`, `.regex()` after it. */
export function ZSafeText(max: number, tooLongMessage?: string) {
  return z
    .string()
    .max(max, tooLongMessage)
    .superRefine((text, ctx) => {
      const problem = findUnsafeCharacter(text);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
}
