/** Reading tRPC client errors: their code, and whether sending the same request again may help. */
import { TRPCClientError } from '@trpc/client';

export type ErrorInfo = { code: string | null; message: string; isRetryable: boolean };

export function describeError(error: unknown): ErrorInfo {
  if (error instanceof TRPCClientError) {
    const data = error.data as { code?: string; httpStatus?: number } | undefined;
    const status = data?.httpStatus;
    // No HTTP status: the request never got an answer (network down, server restarting).
    const isRetryable = status === undefined || status >= 500 || status === 429;
    return { code: data?.code ?? null, message: error.message, isRetryable };
  }
  return { code: null, message: error instanceof Error ? error.message : String(error), isRetryable: true };
}

/**
 * Sends a request up to `attempts` times while it fails in a retryable way. Only for requests
 * that are idempotent (a submission carries its client id, so a repeat finds the same row).
 */
export async function withRetries<T>(send: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (attempt >= attempts || !describeError(error).isRetryable) throw error;
      await new Promise((resolve) => setTimeout(resolve, 300 * attempt));
    }
  }
}
