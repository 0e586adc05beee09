/**
 * Row encoders that write to a Node Writable with backpressure: JSONL (optionally gzip), CSV
 * (RFC 4180, guarded against formula injection) and Parquet (one row group at a time). Each holds
 * at most one batch (Parquet: one row group) in memory.
 *
 * Output is a pure function of the rows: no timestamps anywhere (gzip's header mtime is 0 in
 * Node's zlib, Parquet's created_by carries no version), so the same rows give the same bytes.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { createGzip, type Gzip } from 'node:zlib';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { ExportColumn, ExportEncoding } from './formats';

export type RowEncoder = {
  write: (rows: Record<string, unknown>[]) => Promise<void>;
  finish: () => Promise<void>;
};

export class ExportCancelledError extends Error {
  constructor() {
    super('The export was cancelled');
  }
}

/** Writes a chunk, waiting for 'drain' when the stream's buffer is full; fails if it closes first. */
export async function writeWithBackpressure(out: Writable, chunk: string | Uint8Array, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted || out.destroyed) throw new ExportCancelledError();
  if (out.write(chunk)) return;
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.race([once(out, 'drain', { signal: controller.signal }), once(out, 'close', { signal: controller.signal }).then(() => Promise.reject(new ExportCancelledError()))]);
  } catch (error) {
    if (error instanceof Error && error.name === 'AbortError') throw new ExportCancelledError();
    throw error;
  } finally {
    controller.abort();
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Ends a stream and waits until everything is flushed; fails if it is closed before that. */
async function endStream(out: Writable): Promise<void> {
  if (out.writableFinished) return;
  if (out.destroyed) throw new ExportCancelledError();
  const controller = new AbortController();
  const finished = once(out, 'finish', { signal: controller.signal });
  const closed = once(out, 'close', { signal: controller.signal }).then(() => {
    if (!out.writableFinished) throw new ExportCancelledError();
  });
  out.end();
  try {
    await Promise.race([finished, closed]);
  } catch (error) {
    if (error instanceof Error && error.name === 'AbortError') return;
    throw error;
  } finally {
    controller.abort();
  }
}

// ── JSONL ──

function jsonlEncoder(out: Writable, signal?: AbortSignal): RowEncoder {
  return {
    write: async (rows) => {
      if (rows.length === 0) return;
      let text = '';
      for (const row of rows) text += `${JSON.stringify(row)}\n`;
      await writeWithBackpressure(out, text, signal);
    },
    finish: async () => {},
  };
}

/** gzip in front of `out`: rows go into the gzip stream, whose output is piped (with backpressure) to out. */
function gzipEncoder(out: Writable, signal?: AbortSignal): RowEncoder {
  const gzip: Gzip = createGzip({ level: 6 });
  let pumping = Promise.resolve();
  const onData = (chunk: Buffer) => {
    if (!out.write(chunk)) {
      gzip.pause();
      out.once('drain', () => gzip.resume());
    }
  };
  gzip.on('data', onData);
  const ended = new Promise<void>((resolve, reject) => {
    gzip.once('end', resolve);
    gzip.once('error', reject);
  });
  const inner = jsonlEncoder(gzip, signal);
  return {
    write: async (rows) => {
      await pumping;
      if (out.destroyed) throw new ExportCancelledError();
      pumping = inner.write(rows);
      await pumping;
    },
    finish: async () => {
      await pumping;
      gzip.end();
      await ended;
    },
  };
}

// ── CSV ──

const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV cell: RFC 4180 quoting (a cell with a comma, quote, CR or LF is quoted, quotes
 * doubled), and a text starting with = + - @ tab or CR gets a leading ' so a spreadsheet shows
 * it as text instead of running it as a formula (OWASP's CSV injection advice).
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvEncoder(out: Writable, columns: ExportColumn[], signal?: AbortSignal): RowEncoder {
  let isHeaderWritten = false;
  return {
    write: async (rows) => {
      let text = '';
      if (!isHeaderWritten) {
        text += `${columns.map((c) => csvCell(c.name)).join(',')}\r\n`;
        isHeaderWritten = true;
      }
      for (const row of rows) text += `${columns.map((c) => csvCell(row[c.name])).join(',')}\r\n`;
      if (text) await writeWithBackpressure(out, text, signal);
    },
    finish: async () => {
      if (!isHeaderWritten) await writeWithBackpressure(out, `${columns.map((c) => csvCell(c.name)).join(',')}\r\n`, signal);
    },
  };
}

// ── Parquet ──

/** Rows per Parquet row group: memory holds one group. */
export const PARQUET_ROW_GROUP_SIZE = 10_000;

function parquetSchema(columns: ExportColumn[]) {
  return [
    { name: 'root', num_children: columns.length },
    ...columns.map((c) => {
      const repetition_type = c.isOptional ? ('OPTIONAL' as const) : ('REQUIRED' as const);
      if (c.type === 'string') return { name: c.name, type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const, repetition_type };
      if (c.type === 'boolean') return { name: c.name, type: 'BOOLEAN' as const, repetition_type };
      return { name: c.name, type: 'DOUBLE' as const, repetition_type };
    }),
  ];
}

/**
 * Parquet through hyparquet-writer's incremental ParquetWriter: rows are buffered up to one row
 * group, the group is encoded into a ByteWriter, and its bytes are moved to `out` (awaiting
 * drain) before the next group, so the buffer never holds more than one group.
 */
function parquetEncoder(out: Writable, columns: ExportColumn[], signal?: AbortSignal): RowEncoder {
  const writer = new ByteWriter();
  let pendingFlush: Promise<void> = Promise.resolve();
  const flushBytes = async () => {
    if (writer.index === 0) return;
    const chunk = Buffer.from(new Uint8Array(writer.buffer, 0, writer.index)); // copies
    writer.index = 0;
    await writeWithBackpressure(out, chunk, signal);
  };
  (writer as ByteWriter & { flush?: () => Promise<void> }).flush = () => {
    pendingFlush = flushBytes();
    return pendingFlush;
  };
  const parquet = new ParquetWriter({ writer, schema: parquetSchema(columns), statistics: false, createdBy: 'feedloop' });
  let buffered: Record<string, unknown>[] = [];
  const writeGroup = async () => {
    if (buffered.length === 0) return;
    const group = buffered;
    buffered = [];
    const columnData = columns.map((c) => ({ name: c.name, data: group.map((row) => (row[c.name] === undefined ? null : row[c.name])) }));
    await parquet.write({ columnData, rowGroupSize: PARQUET_ROW_GROUP_SIZE });
    await pendingFlush;
  };
  return {
    write: async (rows) => {
      for (const row of rows) {
        buffered.push(row);
        if (buffered.length >= PARQUET_ROW_GROUP_SIZE) await writeGroup();
      }
    },
    finish: async () => {
      await writeGroup();
      await parquet.finish();
      await flushBytes();
    },
  };
}

/**
 * An encoder for `encoding` writing to `out`. Flat encodings (CSV, Parquet) need `columns`.
 * `finish` flushes the encoder's own buffers; ending `out` is the caller's.
 */
export function createRowEncoder(options: { encoding: ExportEncoding; columns: ExportColumn[] | null; out: Writable; signal?: AbortSignal }): RowEncoder {
  const { encoding, columns, out, signal } = options;
  if (encoding === 'jsonl') return jsonlEncoder(out, signal);
  if (encoding === 'jsonl.gz') return gzipEncoder(out, signal);
  if (!columns) throw new Error(`${encoding} needs a flat format`);
  return encoding === 'csv' ? csvEncoder(out, columns, signal) : parquetEncoder(out, columns, signal);
}

export { endStream };
