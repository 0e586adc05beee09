/**
 * Request bodies read through a size limit: counted while they stream, so a chunked body (no
 * Content-Length) stops at the limit too. Declared lengths are checked by the edge before any of this.
 */
import type { IncomingMessage } from 'node:http';
import { Transform, type Readable } from 'node:stream';
import { BodyTooLargeError } from './route-types';

/** The body as a stream that errors with BodyTooLargeError once more than `limitBytes` arrived. */
export function limitedBodyStream(req: IncomingMessage, limitBytes: number): Readable {
  let received = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      if (received > limitBytes) {
        // Stop reading from the socket: the rest of the body is never buffered.
        req.unpipe(counter);
        req.pause();
        callback(new BodyTooLargeError(limitBytes));
        return;
      }
      callback(null, chunk);
    },
  });
  req.on('error', (error) => counter.destroy(error));
  return req.pipe(counter);
}

/** The whole body, at most `limitBytes`. */
export async function readLimitedBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of limitedBodyStream(req, limitBytes)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** "1 MB", "64 KB": limits as people read them in error messages. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KB`;
  return `${bytes} bytes`;
}
