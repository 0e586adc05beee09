/**
 * Snapshots and their exports over /api/v1, on server/datasets (the same functions the admin UI
 * and the CLI's local mode call), so a file downloaded here is byte for byte the file a local
 * export writes.
 *
 * A folder export (data/train.<ext>, data/test.<ext>, README.md) is three requests: the export
 * with split=train, with split=test, and /card for the dataset card. The card needs each split's
 * row count, which this computes by running the export into a counting sink (rows do not depend
 * on the encoding, so it counts JSONL, the cheapest).
 */
import { Writable } from 'node:stream';
import { z } from 'zod';
import { db } from '../../db';
import { AppError } from '../../errors';
import { buildDatasetCard } from '../../datasets/dataset-card';
import { assertEncodingAllowed, exportSnapshot, ExportCancelledError } from '../../datasets/export';
import { contentTypeOf, EXPORT_ENCODINGS, EXPORT_FORMATS, extensionOf, ZExportOptions, type ExportOptionsInput } from '../../datasets/formats';
import { createSnapshot, getSnapshot, listSnapshots, ZSnapshotFilters, type SnapshotSummary } from '../../datasets/snapshots';
import { sendJson } from '../respond';
import type { Call, Endpoint } from './endpoints';
import { parsePathId, parseQuery, readJsonBody } from './http';
import { ZSafeText } from '../../../lib/validation';

const ZBooleanText = z.enum(['true', 'false']).transform((text) => text === 'true');

export const ZExportQuery = z.object({
  format: z.enum(EXPORT_FORMATS),
  encoding: z.enum(EXPORT_ENCODINGS).default('jsonl'),
  split: z.enum(['all', 'train', 'test']).optional(),
  rankingPairs: z.enum(['all', 'adjacent']).optional(),
  includeTies: ZBooleanText.optional(),
  includeBothBad: ZBooleanText.optional(),
  margin: ZBooleanText.optional(),
  ktoThreshold: z.coerce.number().min(-100).max(100).optional(),
});

const ZCreateSnapshotBody = z
  .object({
    name: ZSafeText(200).trim().min(1).nullable().optional(),
    filters: ZSnapshotFilters.optional(),
  })
  .strict();

/** A snapshot as JSON: what it froze, when, its hash and counts, and what used it. */
function toApiSnapshot(s: SnapshotSummary) {
  return { id: s.id, projectId: s.projectId, name: s.name, createdAt: s.createdAt.toISOString(), contentHash: s.contentHash, counts: s.counts, filters: s.filters, runs: s.runs, versions: s.versions };
}

function exportOptionsOf(query: z.infer<typeof ZExportQuery>): ExportOptionsInput {
  const { format: _format, encoding: _encoding, ...options } = query;
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

/** Counts rows without keeping them. */
class CountingSink extends Writable {
  override _write(_chunk: unknown, _encoding: BufferEncoding, callback: () => void) {
    callback();
  }
}

async function countRows(snapshotId: number, query: z.infer<typeof ZExportQuery>, split: 'train' | 'test'): Promise<number> {
  const result = await exportSnapshot({ snapshotId, format: query.format, encoding: 'jsonl', options: { ...exportOptionsOf(query), split }, out: new CountingSink() });
  return result.rows;
}

const snapshotId = (call: Call) => parsePathId(call.params.id ?? '', 'The snapshot id');

export const snapshotEndpoints: Endpoint[] = [
  {
    method: 'GET',
    path: '/api/v1/projects/{id}/snapshots',
    scope: 'READ',
    summary: "List a project's snapshots, newest first",
    responses: { 200: '{ snapshots: [{ id, projectId, name, createdAt, contentHash, counts, filters, runs, versions }] }' },
    handle: async (call) => {
      const projectId = parsePathId(call.params.id ?? '', 'The project id');
      const project = await db.project.findUnique({ where: { id: projectId }, select: { id: true } });
      if (!project) throw new AppError('NOT_FOUND', `No project ${projectId}`);
      const snapshots = await listSnapshots({ db, projectId });
      sendJson(call.res, 200, { snapshots: snapshots.map(toApiSnapshot) });
    },
  },
  {
    method: 'POST',
    path: '/api/v1/projects/{id}/snapshots',
    scope: 'WRITE',
    summary: "Freeze a selection of the project's settled annotations",
    description:
      'Filters: from, to (dates), annotatorIds, questionId, minAgreement (0-1), excludeFlagged, labelSource ("all", "majority" or "dawid-skene": one consensus answer per task), weightByConfidence (every exported row carries `weight`, its label\'s confidence), split ({mode: "prompt"} or {mode: "hash", testPercent, seed}).',
    body: { kind: 'json', schema: ZCreateSnapshotBody },
    responses: { 201: 'The snapshot: { id, projectId, name, createdAt, contentHash, counts, filters, runs, versions }' },
    handle: async (call) => {
      const projectId = parsePathId(call.params.id ?? '', 'The project id');
      const body = ZCreateSnapshotBody.parse(await readJsonBody(call.ctx));
      const created = await createSnapshot({ db, projectId, name: body.name ?? null, filters: body.filters ?? {}, createdById: call.principal?.user.id ?? null });
      sendJson(call.res, 201, toApiSnapshot(await getSnapshot({ db, snapshotId: created.snapshotId })));
    },
  },
  {
    method: 'GET',
    path: '/api/v1/snapshots/{id}',
    scope: 'READ',
    summary: 'One snapshot',
    responses: { 200: '{ id, projectId, name, createdAt, contentHash, counts, filters, runs, versions }' },
    handle: async (call) => sendJson(call.res, 200, toApiSnapshot(await getSnapshot({ db, snapshotId: snapshotId(call) }))),
  },
  {
    method: 'GET',
    path: '/api/v1/snapshots/{id}/export',
    scope: 'READ',
    summary: 'Download a snapshot in a training format (streamed)',
    description: 'Formats: ' + EXPORT_FORMATS.join(', ') + '. Encodings: ' + EXPORT_ENCODINGS.join(', ') + " (nested formats: JSONL only). split=train|test gives one side of the snapshot's split.",
    query: ZExportQuery,
    streams: 'application/octet-stream',
    responses: { 200: 'The file' },
    handle: async (call) => {
      const id = snapshotId(call);
      const query = parseQuery(call.ctx.url, ZExportQuery);
      ZExportOptions.parse(exportOptionsOf(query));
      // Everything that can be refused is checked before the first byte, so refusals are JSON.
      assertEncodingAllowed(query.format, query.encoding);
      await getSnapshot({ db, snapshotId: id });
      const { res } = call;
      res.statusCode = 200;
      res.setHeader('Content-Type', contentTypeOf(query.encoding));
      res.setHeader('Content-Disposition', `attachment; filename="snapshot-${id}-${query.format}${query.split && query.split !== 'all' ? `-${query.split}` : ''}.${extensionOf(query.encoding)}"`);
      res.setHeader('Cache-Control', 'no-store');
      try {
        await exportSnapshot({ snapshotId: id, format: query.format, encoding: query.encoding, options: exportOptionsOf(query), out: res });
      } catch (error) {
        // The client went away: nothing to answer, nothing to log.
        if (error instanceof ExportCancelledError) return;
        throw error;
      }
    },
  },
  {
    method: 'GET',
    path: '/api/v1/snapshots/{id}/card',
    scope: 'READ',
    summary: 'The dataset card (README.md) of a folder export, as the local folder export writes it',
    query: ZExportQuery,
    streams: 'text/markdown',
    responses: { 200: 'README.md' },
    handle: async (call) => {
      const id = snapshotId(call);
      const query = parseQuery(call.ctx.url, ZExportQuery);
      assertEncodingAllowed(query.format, query.encoding);
      const snapshot = await getSnapshot({ db, snapshotId: id });
      const options = ZExportOptions.parse({ ...exportOptionsOf(query), split: 'all' });
      const rows = { train: await countRows(id, query, 'train'), test: await countRows(id, query, 'test') };
      const ext = extensionOf(query.encoding);
      const card = buildDatasetCard({ snapshot, format: query.format, encoding: query.encoding, options, rows, files: { train: `data/train.${ext}`, test: `data/test.${ext}` } });
      const { res } = call;
      res.statusCode = 200;
      res.setHeader('Content-Type', 'text/markdown; charset=utf-8');
      res.setHeader('Content-Length', Buffer.byteLength(card));
      res.setHeader('Cache-Control', 'no-store');
      res.end(card);
    },
  },
];
