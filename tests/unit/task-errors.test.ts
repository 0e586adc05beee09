/**
 * How the rating page reads a refused request: a paused annotator's queue error (the shape
 * server/api/trpc.ts's errorFormatter sends: data.details = { paused, accuracyThreshold }) becomes
 * a pause with the threshold; other errors carry no pause, and the message is never parsed for it.
 */
import { describe, expect, it } from 'vitest';
import { TRPCClientError } from '@trpc/client';
import { describeError } from '@/app/_components/annotate/task-errors';

function serverError(message: string, data: { code: string; httpStatus: number; details: unknown }) {
  return new TRPCClientError(message, { result: { error: { message, code: -32009, data } } } as ConstructorParameters<typeof TRPCClientError>[1]);
}

describe('describeError', () => {
  it('reads a pause and its threshold from the error details', () => {
    const error = serverError('Paused: your answers on check tasks fell below 75%. An admin will review your work and resume you.', {
      code: 'CONFLICT',
      httpStatus: 409,
      details: { paused: true, accuracyThreshold: 0.75 },
    });
    expect(describeError(error)).toEqual({ code: 'CONFLICT', message: error.message, isRetryable: false, pause: { accuracyThreshold: 0.75 } });
  });

  it('a pause without a usable threshold still is a pause', () => {
    for (const details of [{ paused: true }, { paused: true, accuracyThreshold: 'high' }, { paused: true, accuracyThreshold: 1.5 }]) {
      expect(describeError(serverError('Paused', { code: 'CONFLICT', httpStatus: 409, details })).pause).toEqual({ accuracyThreshold: null });
    }
  });

  it('other conflicts, or a message that merely says "Paused", are no pause', () => {
    expect(describeError(serverError('This task already has its 3 answers', { code: 'CONFLICT', httpStatus: 409, details: null })).pause).toBeNull();
    expect(describeError(serverError('Paused: something', { code: 'CONFLICT', httpStatus: 409, details: { paused: 'yes' } })).pause).toBeNull();
    expect(describeError(new Error('Paused: network')).pause).toBeNull();
  });
});
