/**
 * GET /api/datasets/<snapshotId>/export?format=…&encoding=…[&split=…&rankingPairs=…&includeTies=…
 * &includeBothBad=…&margin=…&ktoThreshold=…]: a snapshot as one file, streamed.
 *
 * Admin session only (401 without one, 403 for annotators). The query is validated before
 * anything is written (400 with a message); then headers go out and rows stream with
 * backpressure. A client that disconnects closes the response, which stops the export at the
 * next page. An error after the first byte can only cut the response short (the status is sent).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { ZDbId } from '../../lib/validation';
import { getSessionUser } from '../auth';
import { db } from '../db';
import { AppError } from '../errors';
import { assertEncodingAllowed, exportSnapshot, ExportCancelledError } from '../datasets/export';
import { EXPORT_ENCODINGS, EXPORT_FORMATS, contentTypeOf, ZExportOptions } from '../datasets/formats';
import { exportFileName } from '../datasets/export-files';
import type { EdgeContext, EdgeRoute } from './route-types';

export { exportFileName };

const PATH = /^\/api\/datasets\/([^/]+)\/export$/;

const ZFlag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const ZExportQuery = z
  .object({
    format: z.enum(EXPORT_FORMATS),
    encoding: z.enum(EXPORT_ENCODINGS).default('jsonl'),
    split: z.enum(['all', 'train', 'test']).optional(),
    rankingPairs: z.enum(['all', 'adjacent']).optional(),
    includeTies: ZFlag.optional(),
    includeBothBad: ZFlag.optional(),
    margin: ZFlag.optional(),
    ktoThreshold: z.coerce.number().finite().optional(),
  })
  .strict();

function sendError(res: ServerResponse, status: number, message: string) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(JSON.stringify({ error: message }));
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: EdgeContext): Promise<void> {
  const user = await getSessionUser(ctx.headers);
  if (!user) return sendError(res, 401, 'Sign in first');
  if (user.role !== 'admin') return sendError(res, 403, 'Admins only');

  const match = PATH.exec(ctx.url.pathname);
  const id = ZDbId.safeParse(Number(match?.[1] ?? 'x'));
  if (!id.success || !/^\d+$/.test(match?.[1] ?? '')) return sendError(res, 400, 'The snapshot id must be a positive whole number');
  const query = ZExportQuery.safeParse(Object.fromEntries(ctx.url.searchParams));
  if (!query.success) return sendError(res, 400, query.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; '));
  const { format, encoding, ...rest } = query.data;
  const options = ZExportOptions.parse(rest);
  try {
    assertEncodingAllowed(format, encoding);
  } catch (error) {
    if (error instanceof AppError) return sendError(res, 400, error.message);
    throw error;
  }
  const snapshot = await db.datasetSnapshot.findUnique({ where: { id: id.data }, select: { id: true, name: true } });
  if (!snapshot) return sendError(res, 404, `No snapshot ${id.data}`);

  res.statusCode = 200;
  res.setHeader('Content-Type', contentTypeOf(encoding));
  res.setHeader('Content-Disposition', `attachment; filename="${exportFileName({ snapshotId: snapshot.id, name: snapshot.name, format, encoding, split: options.split })}"`);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const controller = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) controller.abort();
  };
  res.once('close', onClose);
  try {
    await exportSnapshot({ snapshotId: snapshot.id, format, encoding, options, out: res, signal: controller.signal });
  } catch (error) {
    if (error instanceof ExportCancelledError) return; // the client went away
    console.error('[dataset-export] export failed:', error);
    if (!res.headersSent) sendError(res, 500, 'Internal server error');
    else res.destroy();
  } finally {
    res.off('close', onClose);
  }
}

export const datasetExportRoute: EdgeRoute = {
  name: 'dataset-export',
  matches: (pathname) => PATH.test(pathname),
  methods: ['GET'],
  maxBodyBytes: 0,
  handle,
};
