/**
 * GET /api/datasets/exports/<jobId>: the file a finished export job wrote
 * (DATA_DIR/exports/job-<id>/), streamed from disk as an attachment.
 *
 * Admin session only (401 without one, 403 for annotators); 404 for an unknown job, one of another
 * kind, one not finished yet, or a file that is gone.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { ZDbId } from '../../lib/validation';
import { getSessionUser } from '../auth';
import { contentTypeOf, EXPORT_ENCODINGS } from '../datasets/formats';
import { openExportJobFile } from '../datasets/export-jobs';
import { db } from '../db';
import { env } from '../env';
import { AppError } from '../errors';
import type { EdgeContext, EdgeRoute } from './route-types';

const PATH = /^\/api\/datasets\/exports\/([^/]+)$/;

function sendError(res: ServerResponse, status: number, message: string) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(JSON.stringify({ error: message }));
}

/** The encoding a file name ends with (the longest match: .jsonl.gz before .gz). */
function encodingOf(fileName: string) {
  return [...EXPORT_ENCODINGS].sort((a, b) => b.length - a.length).find((e) => fileName.endsWith(`.${e}`)) ?? null;
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: EdgeContext): Promise<void> {
  const user = await getSessionUser(ctx.headers);
  if (!user) return sendError(res, 401, 'Sign in first');
  if (user.role !== 'admin') return sendError(res, 403, 'Admins only');

  const raw = PATH.exec(ctx.url.pathname)?.[1] ?? '';
  const id = ZDbId.safeParse(Number(raw));
  if (!id.success || !/^\d+$/.test(raw)) return sendError(res, 400, 'The job id must be a positive whole number');

  let opened: Awaited<ReturnType<typeof openExportJobFile>>;
  try {
    opened = await openExportJobFile({ db, jobId: id.data, dataDir: env.DATA_DIR });
  } catch (error) {
    if (error instanceof AppError && error.code === 'NOT_FOUND') return sendError(res, 404, error.message);
    throw error;
  }
  const { file, result } = opened;
  try {
    const encoding = encodingOf(result.fileName);
    const { size } = await file.stat();
    res.statusCode = 200;
    res.setHeader('Content-Type', encoding ? contentTypeOf(encoding) : 'application/octet-stream');
    res.setHeader('Content-Length', String(size));
    res.setHeader('Content-Disposition', `attachment; filename="${result.fileName}"`);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    await pipeline(file.createReadStream({ autoClose: false }), res);
  } catch (error) {
    // A client that goes away ends the pipeline early; nothing more to send.
    if (!res.headersSent) sendError(res, 500, 'Internal server error');
    else res.destroy();
    if ((error as NodeJS.ErrnoException)?.code !== 'ERR_STREAM_PREMATURE_CLOSE') console.error('[export-job] download failed:', error);
  } finally {
    await file.close().catch(() => {});
  }
}

export const exportJobRoute: EdgeRoute = {
  name: 'export-job',
  matches: (pathname) => PATH.test(pathname),
  methods: ['GET'],
  maxBodyBytes: 0,
  handle,
};
