/**
 * Field errors from the same zod schema the server uses, keyed by dotted path ("peft.rank"), so
 * each message can sit next to its input.
 */
import type { z } from 'zod';

export type FieldErrors = Record<string, string>;

export function toFieldErrors(error: z.ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const path = issue.path.map(String).join('.') || 'form';
    // An empty number input reaches the schema as NaN; "expected number, received NaN" says it badly.
    const message = issue.code === 'invalid_type' && issue.expected === 'number' ? 'Enter a number' : issue.message;
    errors[path] ??= message;
  }
  return errors;
}

/** Validates `value`: the parsed data, or the errors by field. */
export function validate<S extends z.ZodType>(schema: S, value: unknown): { data: z.output<S>; errors: null } | { data: null; errors: FieldErrors } {
  const result = schema.safeParse(value);
  return result.success ? { data: result.data, errors: null } : { data: null, errors: toFieldErrors(result.error) };
}

/** The same errors under a prefix ("generation." + "source.baseUrl"), for forms that validate several schemas. */
export function prefixErrors(prefix: string, errors: FieldErrors | null): FieldErrors {
  return Object.fromEntries(Object.entries(errors ?? {}).map(([path, message]) => [`${prefix}.${path}`, message]));
}
