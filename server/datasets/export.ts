/**
 * Streamed exports of a dataset snapshot, the API the download route, the tRPC preview, the CLI
 * and /api/v1 build on:
 *
 *   exportSnapshot({ snapshotId, format, encoding, options, out, signal })
 *     writes one file to `out` (any Writable: an HTTP response, a file, a gzip stream) and ends it.
 *   exportSnapshotToFolder({ snapshotId, format, encoding, options, dir })
 *     writes data/train.<ext>, data/test.<ext> and a Hugging Face dataset card (README.md).
 *   previewSnapshot({ snapshotId, format, options, limit })
 *     the first rows of a format as plain objects, computed by the same row builder.
 *
 * Records are read in keyset pages (server/datasets/snapshots.ts) and each page is encoded and
 * written with backpressure before the next is read, so memory stays flat whatever the size. When
 * `signal` aborts or `out` closes early (the receiver went away), reading stops and the promise
 * rejects with ExportCancelledError.
 *
 * Same snapshot, format, encoding and options: the same bytes (rows in annotation id order, no
 * timestamps in any file, pseudonyms are a keyed hash).
 *
 * The web process's client, DATABASE_URL and secret are loaded only when a caller leaves them out:
 * the trainer's export job passes its own, and must not load server/env.ts (which demands the web
 * process's whole environment).
 */
import { createHmac } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { ZRatingForm } from '../../lib/forms/schema';
import { AppError } from '../errors';
import type { PrismaClient } from '../generated/prisma/client';
import { buildDatasetCard } from './dataset-card';
import { copySnapshotRecords } from './copy-records';
import { createRowEncoder, endStream, ExportCancelledError } from './encoders';
import { columnsOf, FORMAT_INFO, rowsOfRecord, ZExportOptions, type ExportEncoding, type ExportFormat, type ExportOptions, type ExportOptionsInput } from './formats';
import { getSnapshot, readSnapshotRecords, type SnapshotSummary } from './snapshots';

export { ExportCancelledError };

export type ExportSnapshotOptions = {
  snapshotId: number;
  format: ExportFormat;
  encoding: ExportEncoding;
  /** Pair rules, split, margin, KTO threshold (formats.ts, ZExportOptions); defaults when absent. */
  options?: ExportOptionsInput;
  /** Where the file goes; ended when the export finishes. */
  out: Writable;
  /** Aborting stops the export (the promise rejects with ExportCancelledError). */
  signal?: AbortSignal;
  /** Defaults to the web process's client. */
  db?: PrismaClient;
  /** Where rows are streamed from by COPY; defaults to DATABASE_URL. */
  connectionString?: string;
  /** The key of the annotator pseudonyms; defaults to BETTER_AUTH_SECRET. */
  pseudonymSecret?: string;
  /** Called after each page with the annotations read so far (for a job's progress). */
  onProgress?: (annotationsDone: number) => void;
};

type WebDefaults = { db: PrismaClient; databaseUrl: string; secret: string };

/** The web process's client and environment, imported on first use only. */
async function webDefaults(): Promise<WebDefaults> {
  const [{ db }, { env }] = await Promise.all([import('../db'), import('../env')]);
  return { db, databaseUrl: env.DATABASE_URL, secret: env.BETTER_AUTH_SECRET };
}

/** The caller's db, connection string and secret, the web process's where one is left out. */
async function resolveDefaults(options: { db?: PrismaClient; connectionString?: string; pseudonymSecret?: string }): Promise<WebDefaults> {
  if (options.db && options.connectionString && options.pseudonymSecret) return { db: options.db, databaseUrl: options.connectionString, secret: options.pseudonymSecret };
  const web = await webDefaults();
  return { db: options.db ?? web.db, databaseUrl: options.connectionString ?? web.databaseUrl, secret: options.pseudonymSecret ?? web.secret };
}

/**
 * The annotator pseudonym: HMAC-SHA256 keyed with the server secret over (project, user), 16 hex
 * characters. Stable across exports of one project, unlinkable across projects, and not
 * reversible without the secret.
 */
export function annotatorPseudonym(projectId: number, userId: string, secret: string): string {
  return createHmac('sha256', secret).update(`feedloop-annotator:${projectId}:${userId}`).digest('hex').slice(0, 16);
}

/** Checks a format / encoding pair; AppError BAD_REQUEST when the format is nested and the encoding flat. */
export function assertEncodingAllowed(format: ExportFormat, encoding: ExportEncoding): void {
  if (!FORMAT_INFO[format].encodings.includes(encoding))
    throw new AppError('BAD_REQUEST', `${FORMAT_INFO[format].label} cannot be written as ${encoding}: use ${FORMAT_INFO[format].encodings.join(', ')}`);
}

/** Whether the snapshot froze a confidence weight per answer (its rows then carry `weight`). */
function isWeighted(snapshot: SnapshotSummary): boolean {
  return snapshot.filters.weightByConfidence === true;
}

async function loadExportContext(db: PrismaClient, snapshotId: number) {
  const snapshot = await getSnapshot({ db, snapshotId });
  const project = await db.project.findUniqueOrThrow({ where: { id: snapshot.projectId }, select: { form: true } });
  return { snapshot, form: ZRatingForm.parse(project.form) };
}

/** Streams rows of a format through a callback, a page of records at a time. Returns the row count. */
async function forEachRowBatch(options: {
  db: PrismaClient;
  snapshot: SnapshotSummary;
  form: ReturnType<typeof ZRatingForm.parse>;
  format: ExportFormat;
  options: ExportOptions;
  only?: 'train' | 'test';
  signal?: AbortSignal;
  limitRecords?: number;
  connectionString: string;
  secret: string;
  onProgress?: (annotationsDone: number) => void;
  onRows: (rows: Record<string, unknown>[]) => Promise<boolean | void>;
}): Promise<number> {
  const { snapshot, form, format } = options;
  const pseudonyms = new Map<string, string>();
  const annotatorOf = (userId: string) => {
    let p = pseudonyms.get(userId);
    if (p === undefined) pseudonyms.set(userId, (p = annotatorPseudonym(snapshot.projectId, userId, options.secret)));
    return p;
  };
  const only = options.only ?? (options.options.split === 'all' ? undefined : options.options.split);
  let count = 0;
  let records = 0;
  // Whole files stream by COPY; a preview reads one small keyset page.
  const source =
    options.limitRecords === undefined
      ? copySnapshotRecords({ connectionString: options.connectionString, snapshotId: snapshot.id, split: snapshot.filters.split, only, signal: options.signal })
      : readSnapshotRecords({ db: options.db, snapshotId: snapshot.id, split: snapshot.filters.split, only, signal: options.signal, limit: options.limitRecords });
  for await (const page of source) {
    const rows: Record<string, unknown>[] = [];
    for (const record of page) for (const row of rowsOfRecord({ format, form, record, options: options.options, annotatorOf })) rows.push(row);
    count += rows.length;
    if ((await options.onRows(rows)) === false) break;
    records += page.length;
    options.onProgress?.(records);
  }
  return count;
}

/** Writes one file of a snapshot in a format and encoding to `out`, then ends it. Returns the row count. */
export async function exportSnapshot(options: ExportSnapshotOptions): Promise<{ rows: number }> {
  const exportOptions = ZExportOptions.parse(options.options ?? {});
  assertEncodingAllowed(options.format, options.encoding);
  const { db, databaseUrl, secret } = await resolveDefaults(options);
  const { snapshot, form } = await loadExportContext(db, options.snapshotId);
  return writeRows({
    db,
    connectionString: databaseUrl,
    secret,
    onProgress: options.onProgress,
    snapshot,
    form,
    format: options.format,
    encoding: options.encoding,
    options: exportOptions,
    out: options.out,
    signal: options.signal,
  });
}

async function writeRows(options: {
  db: PrismaClient;
  connectionString: string;
  secret: string;
  onProgress?: (annotationsDone: number) => void;
  snapshot: SnapshotSummary;
  form: ReturnType<typeof ZRatingForm.parse>;
  format: ExportFormat;
  encoding: ExportEncoding;
  options: ExportOptions;
  only?: 'train' | 'test';
  out: Writable;
  signal?: AbortSignal;
}): Promise<{ rows: number }> {
  const { out, signal } = options;
  const encoder = createRowEncoder({ encoding: options.encoding, columns: columnsOf(options.format, options.options, isWeighted(options.snapshot)), out, signal });
  const onClose = () => {
    if (!out.writableFinished) abortOnClose.abort();
  };
  // The receiver going away (a closed response) stops the read loop at the next page.
  const abortOnClose = new AbortController();
  out.once('close', onClose);
  const combined = signal ? AbortSignal.any([signal, abortOnClose.signal]) : abortOnClose.signal;
  try {
    const rows = await forEachRowBatch({ ...options, signal: combined, onRows: (batch) => encoder.write(batch) });
    await encoder.finish();
    await endStream(out);
    return { rows };
  } catch (error) {
    if (combined.aborted || out.destroyed) {
      out.destroy();
      throw new ExportCancelledError();
    }
    out.destroy(error instanceof Error ? error : undefined);
    throw error;
  } finally {
    out.off('close', onClose);
  }
}

/** The first rows of a format as plain objects (for the admin preview), from the same row builder. */
export async function previewSnapshot(options: {
  snapshotId: number;
  format: ExportFormat;
  options?: ExportOptionsInput;
  limit?: number;
  db?: PrismaClient;
}): Promise<{ rows: Record<string, unknown>[]; columns: string[] }> {
  const { db, databaseUrl, secret } = await resolveDefaults(options);
  const exportOptions = ZExportOptions.parse(options.options ?? {});
  const limit = options.limit ?? 20;
  const { snapshot, form } = await loadExportContext(db, options.snapshotId);
  const rows: Record<string, unknown>[] = [];
  await forEachRowBatch({
    db,
    connectionString: databaseUrl,
    secret,
    snapshot,
    form,
    format: options.format,
    options: exportOptions,
    // Rows come from the first records; a format that skips most of them (ties) may show fewer.
    limitRecords: 2000,
    onRows: async (batch) => {
      rows.push(...batch.slice(0, limit - rows.length));
      return rows.length < limit;
    },
  });
  const flat = columnsOf(options.format, exportOptions, isWeighted(snapshot));
  const nested = Object.keys(FORMAT_INFO[options.format].fields).filter((name) => name !== 'margin' || exportOptions.margin);
  const columns = flat ? flat.map((c) => c.name) : isWeighted(snapshot) ? [...nested, 'weight'] : nested;
  return { rows, columns };
}

/**
 * A folder a trainer (or `datasets.load_dataset(dir)`) reads: data/train.<ext>, data/test.<ext>
 * and README.md, a Hugging Face dataset card. Returns the row count per split.
 */
export async function exportSnapshotToFolder(options: Omit<ExportSnapshotOptions, 'out'> & { dir: string }): Promise<{ files: string[]; rows: { train: number; test: number } }> {
  const exportOptions = ZExportOptions.parse({ ...(options.options ?? {}), split: 'all' });
  assertEncodingAllowed(options.format, options.encoding);
  const { db, databaseUrl, secret } = await resolveDefaults(options);
  const { snapshot, form } = await loadExportContext(db, options.snapshotId);
  await mkdir(path.join(options.dir, 'data'), { recursive: true });
  const rows = { train: 0, test: 0 };
  const files: string[] = [];
  for (const split of ['train', 'test'] as const) {
    const relative = `data/${split}.${options.encoding}`;
    const out = createWriteStream(path.join(options.dir, relative));
    const result = await writeRows({
      db,
      connectionString: databaseUrl,
      secret,
      snapshot,
      form,
      format: options.format,
      encoding: options.encoding,
      options: exportOptions,
      only: split,
      out,
      signal: options.signal,
    });
    rows[split] = result.rows;
    files.push(relative);
  }
  const card = buildDatasetCard({ snapshot, format: options.format, encoding: options.encoding, options: exportOptions, rows, files: { train: files[0], test: files[1] } });
  await writeFile(path.join(options.dir, 'README.md'), card);
  files.push('README.md');
  return { files, rows };
}
