/**
 * The export job: one file of a dataset snapshot, written by a worker to
 * DATA_DIR/exports/job-<id>/<file name>, for exports too large to stream through one request.
 *
 * The file is written under a temporary name and renamed only once complete and only while this
 * worker still holds the job, so a file under its final name is always whole. Progress is the
 * snapshot's annotations read so far, with an ETA; a cancel aborts the export at the next page.
 *
 * The worker passes its database URL and the pseudonym secret (BETTER_AUTH_SECRET, the web app's
 * value): server/env.ts, which demands the web process's whole environment, is never loaded here.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { ExportCancelledError, exportSnapshot } from '../../server/datasets/export';
import { exportFileName, exportJobDir } from '../../server/datasets/export-files';
import { type ExportResult, ZExportPayload } from '../../server/jobs/contracts';
import { isJobStillHeld } from '../../server/jobs/queue';
import { JobInputError, JobStoppedError, type JobContext } from '../worker/job-context';

export type ExportJobSettings = {
  /** Where the export's COPY reads rows from (the worker's DATABASE_URL). */
  databaseUrl: string;
  /** The web app's BETTER_AUTH_SECRET; without it the job fails rather than write other pseudonyms. */
  pseudonymSecret: string | undefined;
};

/** Progress reports at most this often: a page of records is read every few milliseconds. */
const REPORT_EVERY_MS = 250;

/** The annotations an export of one split reads (the snapshot's counts), or null when not recorded. */
function annotationTotal(counts: unknown, split: 'all' | 'train' | 'test'): number | null {
  const c = (counts ?? {}) as Record<string, unknown>;
  const value = split === 'train' ? c.trainAnnotations : split === 'test' ? c.testAnnotations : c.annotations;
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export async function runExportJob(context: JobContext, settings: ExportJobSettings): Promise<ExportResult> {
  const payload = ZExportPayload.parse(context.job.payload);
  if (!settings.pseudonymSecret) throw new JobInputError("This worker has no BETTER_AUTH_SECRET: set it to the web app's value, so exports carry the same annotator pseudonyms as downloads");
  const snapshot = await context.db.datasetSnapshot.findUnique({ where: { id: payload.snapshotId }, select: { id: true, name: true, counts: true } });
  if (!snapshot) throw new JobInputError(`Snapshot ${payload.snapshotId} no longer exists`);

  const total = annotationTotal(snapshot.counts, payload.options.split);
  const fileName = exportFileName({ snapshotId: snapshot.id, name: snapshot.name, format: payload.format, encoding: payload.encoding, split: payload.options.split });
  const dir = exportJobDir(context.dataDir, context.job.id);
  await mkdir(dir, { recursive: true });
  const partial = path.join(dir, `.${fileName}.partial`);
  const started = Date.now();
  let lastReport = 0;
  const report = (done: number) => {
    const elapsed = (Date.now() - started) / 1000;
    const etaSeconds = total !== null && done > 0 ? Math.max(0, Math.round((elapsed / done) * (total - done))) : null;
    context.report({ stage: 'export', step: done, total: total ?? undefined, etaSeconds, message: total === null ? `${done} annotations` : `${done} of ${total} annotations` });
  };
  report(0);
  context.throwIfStopped();

  const out = createWriteStream(partial);
  try {
    const { rows } = await exportSnapshot({
      snapshotId: snapshot.id,
      format: payload.format,
      encoding: payload.encoding,
      options: payload.options,
      out,
      signal: context.signal,
      db: context.db,
      connectionString: settings.databaseUrl,
      pseudonymSecret: settings.pseudonymSecret,
      onProgress: (done) => {
        if (Date.now() - lastReport < REPORT_EVERY_MS) return;
        lastReport = Date.now();
        report(done);
      },
    });
    const { size } = await stat(partial);
    // The file gets its name only while this worker still holds the job (a reaped job's retry writes its own).
    await context.db.$transaction(async (tx) => {
      if (!(await isJobStillHeld(tx, { jobId: context.job.id, workerId: context.workerId }))) throw new JobStoppedError('lost');
      await rename(partial, path.join(dir, fileName));
    });
    if (total !== null) report(total);
    context.log(`wrote ${fileName}: ${rows} rows, ${size} bytes`);
    return { fileName, bytes: size, rows };
  } catch (error) {
    // exportSnapshot closes `out` once it writes; an error before (a missing snapshot) leaves it open.
    out.destroy();
    await rm(partial, { force: true });
    if (error instanceof ExportCancelledError) throw new JobStoppedError(context.stopReason() ?? 'cancel');
    throw error;
  }
}
