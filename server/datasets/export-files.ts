/**
 * Names and places of export files: the download's file name, and where an export job keeps its
 * file (DATA_DIR/exports/job-<id>/). No process setup here: the web app and the trainer both use it.
 */
import path from 'node:path';

/** A file name safe in any header and file system: letters, digits, dots and dashes only. */
export function exportFileName(options: { snapshotId: number; name: string | null; format: string; encoding: string; split?: string }): string {
  const base = (options.name ?? '')
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .toLowerCase();
  const split = options.split && options.split !== 'all' ? `-${options.split}` : '';
  return `snapshot-${options.snapshotId}${base ? `-${base}` : ''}-${options.format}${split}.${options.encoding}`;
}

/** The folder of one export job's file. */
export function exportJobDir(dataDir: string, jobId: number): string {
  return path.join(path.resolve(dataDir), 'exports', `job-${jobId}`);
}
