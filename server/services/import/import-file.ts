/**
 * An import from a whole file as the HTTP API and the CLI receive it: text or bytes, gzipped or
 * not. Bytes are decoded here (gunzipped first when they start with the gzip magic number) and then
 * go through commitImport, the one write path, so the result is the same as imports.commit's.
 */
import { gunzipSync } from 'node:zlib';
import { AppError } from '../../errors';
import { commitImport, type ImportResult } from './commit-import';
import { DEFAULT_IMPORT_LIMITS, type CsvMapping, type ImportFormat, type ImportLimits } from './types';

export type ImportFileOptions = {
  projectId: number;
  fileName: string;
  content: string | Buffer;
  format?: ImportFormat;
  mapping?: CsvMapping;
  importJudgements: boolean;
  userId: string | null;
  limits?: ImportLimits;
};

const isGzip = (bytes: Buffer) => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

/** The text of an uploaded file, and its name without ".gz"; a truncated or corrupt gzip is a clear BAD_REQUEST. */
export function decodeImportFile(options: { fileName: string; content: string | Buffer; limits?: ImportLimits }): { fileName: string; content: string } {
  const limits = options.limits ?? DEFAULT_IMPORT_LIMITS;
  const fileName = options.fileName.replace(/\.gz$/i, '');
  if (typeof options.content === 'string') return { fileName, content: options.content };
  if (!isGzip(options.content)) return { fileName, content: options.content.toString('utf8') };
  let text: Buffer;
  try {
    // The limit bounds memory: a small gzip may expand to far more than the import limit.
    text = gunzipSync(options.content, { maxOutputLength: limits.maxFileBytes + 1 });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof RangeError || /ERR_BUFFER_TOO_LARGE|Cannot create a Buffer larger/.test(reason)) {
      throw new AppError('BAD_REQUEST', `Nothing was imported: ${options.fileName} expands to more than the ${(limits.maxFileBytes / (1024 * 1024)).toFixed(0)} MB limit`);
    }
    throw new AppError('BAD_REQUEST', `Nothing was imported: ${options.fileName} is not a complete gzip file (truncated or corrupt: ${reason})`);
  }
  return { fileName, content: text.toString('utf8') };
}

export async function importFile(options: ImportFileOptions): Promise<ImportResult> {
  const decoded = decodeImportFile(options);
  return commitImport({ ...options, ...decoded });
}
