/** Reading tRPC client errors: their code, and whether sending the same request again may help. */
import { TRPCClientError } from '@trpc/client';

/**
 * The queue refused me because I am paused in this project (low accuracy on check tasks): the
 * project's threshold (a share in [0, 1]) when the server sent it. Nothing names a task.
 */
export type PauseInfo = { accuracyThreshold: number | null };

export type ErrorInfo = { code: string | null; message: string; isRetryable: boolean; pause: PauseInfo | null };

/** The structured details of a domain error (server/api/trpc.ts's errorFormatter), as far as the rating page reads them. */
function readPause(details: unknown): PauseInfo | null {
  if (!details || typeof details !== 'object' || !('paused' in details) || details.paused !== true) return null;
  const threshold = 'accuracyThreshold' in details ? details.accuracyThreshold : null;
  return { accuracyThreshold: typeof threshold === 'number' && threshold >= 0 && threshold <= 1 ? threshold : null };
}

export function describeError(error: unknown): ErrorInfo {
  if (error instanceof TRPCClientError) {
    const data = error.data as { code?: string; httpStatus?: number; details?: unknown } | undefined;
    const status = data?.httpStatus;
    // No HTTP status: the request never got an answer (network down, server restarting).
    const isRetryable = status === undefined || status >= 500 || status === 429;
    return { code: data?.code ?? null, message: error.message, isRetryable, pause: readPause(data?.details) };
  }
  return { code: null, message: error instanceof Error ? error.message : String(error), isRetryable: true, pause: null };
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
