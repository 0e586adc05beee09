/**
 * Idempotency of annotation writes. Every submit, skip and flag carries a client-generated id;
 * the row is inserted with ON CONFLICT ("clientId") DO NOTHING, so a retried request (double
 * click, flaky network, five copies at once) finds the row the first one wrote and answers the
 * same. A clientId already used by someone else, or for another task or action, is a CONFLICT.
 */
import { AppError } from '../errors';

export type AnnotationAction = 'SUBMITTED' | 'SKIPPED' | 'FLAGGED';

export type ExistingAnnotation = { id: number; userId: string; taskId: number; status: AnnotationAction; createdAt: Date };

/** Returns the annotation a retried request refers to, or throws when the clientId belongs to something else. */
export function matchRetry(existing: ExistingAnnotation, request: { userId: string; taskId: number; status: AnnotationAction }): ExistingAnnotation {
  if (existing.userId !== request.userId || existing.taskId !== request.taskId || existing.status !== request.status) {
    throw new AppError('CONFLICT', 'This clientId was already used for another annotation');
  }
  return existing;
}

/** Whether a database error is a unique violation (optionally of the named constraint). */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const text = collectErrorText(error);
  const isUnique = text.includes('23505') || text.includes('UniqueConstraintViolation') || text.includes('P2002') || text.includes('duplicate key');
  return isUnique && (!constraint || text.includes(constraint));
}

function collectErrorText(error: unknown, depth = 0): string {
  if (!error || typeof error !== 'object' || depth > 4) return String(error ?? '');
  const record = error as Record<string, unknown>;
  let text = `${String(record.code ?? '')} ${String(record.message ?? '')}`;
  try {
    text += ` ${JSON.stringify(record.meta ?? '')}`;
  } catch {
    // meta may hold something unserialisable; the message and code are enough then.
  }
  if (record.cause) text += ` ${collectErrorText(record.cause, depth + 1)}`;
  return text;
}
