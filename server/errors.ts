/**
 * Domain errors. Services throw AppError and know nothing of HTTP. In server/api/trpc.ts one
 * middleware (mapAppErrors) turns it into the tRPC error of the same code, and the error formatter
 * passes its `details` on; any other error reaches the client only as "Internal server error".
 */
export const APP_ERROR_CODES = ['BAD_REQUEST', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'TOO_MANY_REQUESTS'] as const;
export type AppErrorCode = (typeof APP_ERROR_CODES)[number];

export class AppError extends Error {
  readonly code: AppErrorCode;
  /** Structured details the client may show (an import's line numbers, an answer's problems per question). */
  readonly details?: Record<string, unknown>;

  constructor(code: AppErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }
}
