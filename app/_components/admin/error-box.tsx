'use client';
/**
 * Shows an API error next to the form that caused it: the message, then the zod issues the
 * server's error formatter attached (`error.data.zodError`, a flattened zod error). The schemas
 * word their messages as sentences for the person at the form ("Give the project a name"), so
 * they are shown as they are, without the field's internal name.
 */
import { TRPCClientError } from '@trpc/client';

type FlattenedZodError = { formErrors: string[]; fieldErrors: Record<string, string[] | undefined> };
export type ApiErrorData = { code?: string; zodError?: FlattenedZodError | null; details?: unknown };
export type ImportProblem = { line: number; message: string };

/** The `data` the server's error formatter adds, or null for network and other errors. */
export function readErrorData(error: unknown): ApiErrorData | null {
  if (!(error instanceof TRPCClientError)) return null;
  const data: unknown = error.data;
  return data && typeof data === 'object' ? (data as ApiErrorData) : null;
}

/** Line-numbered import problems carried in an AppError's details (`{ errors: [{line, message}] }`). */
export function readImportProblems(error: unknown): ImportProblem[] {
  const details = readErrorData(error)?.details;
  if (!details || typeof details !== 'object' || !('errors' in details) || !Array.isArray(details.errors)) return [];
  return details.errors.filter((e: unknown): e is ImportProblem => !!e && typeof e === 'object' && 'line' in e && 'message' in e && typeof e.message === 'string');
}

export function ErrorBox({ error, testId }: { error: unknown; testId?: string }) {
  if (!error) return null;
  const data = readErrorData(error);
  const message = error instanceof Error ? error.message : String(error);
  const fieldErrors = Object.values(data?.zodError?.fieldErrors ?? {}).flatMap((messages) => messages ?? []);
  const messages = [...new Set([...(data?.zodError?.formErrors ?? []), ...fieldErrors])];
  const hasZodIssues = messages.length > 0;
  return (
    <div role="alert" data-testid={testId} className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
      {/* A zod error's own message is a JSON dump of the issues; the list below says it better. */}
      <p className="font-medium">{hasZodIssues ? 'Please fix this:' : message}</p>
      {hasZodIssues && (
        <ul className="mt-1 list-disc pl-5">
          {messages.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
