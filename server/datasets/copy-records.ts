/**
 * A snapshot's records streamed out of PostgreSQL by COPY (pg-copy-streams), for exports: one
 * query, rows arrive as fast as the server produces them, and the stream's backpressure holds the
 * socket while the exporter writes. Same query text as the keyset reader (snapshots.ts,
 * recordQueryText), so both give the same records in the same order.
 *
 * COPY runs in CSV mode with a delimiter (0x02) and quote (0x01) that never occur in PostgreSQL's
 * JSON text (json escapes every control character as \u00XX), and JSON has no raw newline: each
 * line is one row's JSON exactly, with nothing to unescape.
 */
import { StringDecoder } from 'node:string_decoder';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { parseRecordRow, recordQueryText, type SnapshotRecord, type SnapshotSplit } from './snapshots';

export async function* copySnapshotRecords(options: {
  connectionString: string;
  snapshotId: number;
  split: SnapshotSplit;
  only?: 'train' | 'test';
  /** Records per yielded batch. */
  batchSize?: number;
  signal?: AbortSignal;
}): AsyncGenerator<SnapshotRecord[]> {
  const batchSize = options.batchSize ?? 2000;
  let isEnded = false;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  const client = new pg.Client({ connectionString: options.connectionString });
  // A connection lost mid-export (PostgreSQL restarted) fails this export, not the process.
  client.on('error', (error: Error) => {
    failure ??= error;
    notify();
  });
  await client.connect();
  const sql = `COPY (SELECT q.j FROM (${recordQueryText(options)}) q ORDER BY q.id) TO STDOUT WITH (FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01')`;
  const stream = client.query(copyTo(sql));
  // Pulled by hand (read() on 'readable') rather than with for-await: a for-await loop that is
  // left early waits for the stream to close, which a COPY in flight never does.
  stream.on('readable', notify);
  stream.once('end', () => {
    isEnded = true;
    notify();
  });
  stream.once('error', (error: Error) => {
    failure = error;
    notify();
  });
  const onAbort = () => notify();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const nextChunk = async (): Promise<Buffer | null> => {
    for (;;) {
      options.signal?.throwIfAborted();
      if (failure) throw failure;
      const chunk = stream.read() as Buffer | null;
      if (chunk !== null) return chunk;
      if (isEnded) return null;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let batch: SnapshotRecord[] = [];
  let isComplete = false;
  try {
    for (let chunk = await nextChunk(); chunk !== null; chunk = await nextChunk()) {
      const text = rest + decoder.write(chunk);
      let start = 0;
      for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
        batch.push(parseRecordRow(text.slice(start, end)));
        start = end + 1;
      }
      rest = text.slice(start);
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
    rest += decoder.end();
    if (rest.trim()) batch.push(parseRecordRow(rest));
    if (batch.length) yield batch;
    isComplete = true;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    if (isComplete) {
      await client.end().catch(() => {});
    } else {
      // Stopped early (a cancelled export): a graceful end would wait for the COPY to finish, so
      // the socket is closed instead, which makes the server abandon the query.
      stream.destroy();
      (client as unknown as { connection: { stream: { destroy: () => void } } }).connection.stream.destroy();
      await Promise.race([client.end().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
    }
  }
}
