/**
 * Local mode: the server's own services on DATABASE_URL, no web server needed. Modules are
 * imported only here, after the environment is ready, because server/env.ts validates it when
 * it loads.
 *
 * The CLI signs no sessions, but the server's environment requires BETTER_AUTH_SECRET; it is also
 * the key of the annotator pseudonyms in `raw` exports, so set it to the server's value when those
 * must match the server's exports. Without it, the secret `npm start` keeps in ./.data/auth-secret
 * is used when the CLI runs in the project folder, else a throwaway value stands in.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CliError, type Backend } from './backend';

function readStartSecret(): string | undefined {
  try {
    return readFileSync(path.resolve('.data/auth-secret'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export async function createLocalBackend(): Promise<Backend> {
  process.env.BETTER_AUTH_SECRET ??= readStartSecret() ?? randomBytes(32).toString('hex');
  process.env.DATABASE_POOL_SIZE ??= '4';
  const [{ db }, { listApiProjects }, snapshots, exporter, { importFile }, { AppError }] = await Promise.all([
    import('../../server/db'),
    import('../../server/http/api-v1/projects'),
    import('../../server/datasets/snapshots'),
    import('../../server/datasets/export'),
    import('../../server/services/import/import-file'),
    import('../../server/errors'),
  ]);

  /** Domain errors become CLI failures with their message (and an import's line errors). */
  async function run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof AppError) {
        const lines = Array.isArray(error.details?.errors) ? (error.details.errors as { line: number; message: string }[]) : [];
        throw new CliError(`${error.message}${lines.length > 0 ? `\n${lines.map((e) => `  line ${e.line}: ${e.message}`).join('\n')}` : ''}`);
      }
      throw error;
    }
  }
  const toApi = (s: Awaited<ReturnType<typeof snapshots.getSnapshot>>) => ({
    id: s.id,
    projectId: s.projectId,
    name: s.name,
    createdAt: s.createdAt.toISOString(),
    contentHash: s.contentHash,
    counts: s.counts,
    filters: s.filters,
  });

  return {
    mode: 'local',
    listProjects: () => run(listApiProjects),
    createSnapshot: ({ projectId, name, filters }) =>
      run(async () => {
        const created = await snapshots.createSnapshot({ db, projectId, name, filters, createdById: null });
        return toApi(await snapshots.getSnapshot({ db, snapshotId: created.snapshotId }));
      }),
    getSnapshot: (snapshotId) => run(async () => toApi(await snapshots.getSnapshot({ db, snapshotId }))),
    exportFolder: ({ snapshotId, format, encoding, options, dir, onFile }) =>
      run(async () => {
        const { EXPORT_FORMATS, EXPORT_ENCODINGS } = await import('../../server/datasets/formats');
        const f = EXPORT_FORMATS.find((x) => x === format);
        const e = EXPORT_ENCODINGS.find((x) => x === encoding);
        if (!f || !e) throw new CliError(`Unknown format or encoding: ${format} / ${encoding}`);
        const result = await exporter.exportSnapshotToFolder({ snapshotId, format: f, encoding: e, options, dir });
        result.files.forEach((file, index) => onFile?.(file, index + 1, result.files.length));
        return result.files;
      }),
    importFile: ({ projectId, fileName, content, format, importJudgements }) =>
      run(async () => {
        const { IMPORT_FORMATS } = await import('../../server/services/import/types');
        const known = format === undefined ? undefined : IMPORT_FORMATS.find((x) => x === format);
        if (format !== undefined && !known) throw new CliError(`Unknown import format "${format}": use ${IMPORT_FORMATS.join(', ')}`);
        return importFile({ projectId, fileName, content, format: known, importJudgements, userId: null });
      }),
    close: () => db.$disconnect(),
  };
}
