/**
 * Remote mode: /api/v1 with `Authorization: Bearer $FEEDLOOP_API_KEY`. The key goes in that
 * header only; it is never printed, not even in errors.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CliError, type ApiProject, type ApiSnapshot, type Backend, type ImportResult } from './backend';

export function createRemoteBackend(options: { url: string; apiKey: string }): Backend {
  const base = options.url.replace(/\/+$/, '');

  async function request(method: string, pathAndQuery: string, body?: { data: string | Buffer; contentType: string }): Promise<Response> {
    const payload: string | Uint8Array | undefined = body === undefined || typeof body.data === 'string' ? body?.data : new Uint8Array(body.data.buffer, body.data.byteOffset, body.data.byteLength);
    let response: Response;
    try {
      response = await fetch(`${base}${pathAndQuery}`, {
        method,
        headers: { authorization: `Bearer ${options.apiKey}`, ...(body ? { 'content-type': body.contentType } : {}) },
        body: payload as BodyInit | undefined,
      });
    } catch (error) {
      throw new CliError(`Cannot reach ${base}: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`);
    }
    if (!response.ok) {
      const text = await response.text();
      let message = `${response.status} ${response.statusText}`;
      try {
        const parsed = JSON.parse(text) as { error?: { message?: string; details?: { errors?: { line: number; message: string }[] } } };
        if (parsed.error?.message) message = parsed.error.message;
        const lines = parsed.error?.details?.errors ?? [];
        if (lines.length > 0) message += `\n${lines.map((e) => `  line ${e.line}: ${e.message}`).join('\n')}`;
      } catch {
        // not JSON: keep the status line
      }
      throw new CliError(`${method} ${pathAndQuery.split('?')[0]} failed (${response.status}): ${message}`);
    }
    return response;
  }

  const getJson = async <T>(p: string) => (await (await request('GET', p)).json()) as T;
  const query = (params: Record<string, string | number | boolean | undefined>) =>
    new URLSearchParams(Object.entries(params).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]]))).toString();

  return {
    mode: 'remote',
    listProjects: async () => (await getJson<{ projects: ApiProject[] }>('/api/v1/projects')).projects,
    createSnapshot: async ({ projectId, name, filters }) =>
      (await (await request('POST', `/api/v1/projects/${projectId}/snapshots`, { data: JSON.stringify({ name, filters }), contentType: 'application/json' })).json()) as ApiSnapshot,
    getSnapshot: (snapshotId) => getJson<ApiSnapshot>(`/api/v1/snapshots/${snapshotId}`),
    exportFolder: async ({ snapshotId, format, encoding, options: exportOptions, dir, onFile }) => {
      // The same three files a local folder export writes, each from the server's exporter. The
      // folder is made once the first answer came back, so a refused export leaves nothing behind.
      const parts = [
        { file: `data/train.${encoding}`, url: `/api/v1/snapshots/${snapshotId}/export?${query({ ...exportOptions, format, encoding, split: 'train' })}` },
        { file: `data/test.${encoding}`, url: `/api/v1/snapshots/${snapshotId}/export?${query({ ...exportOptions, format, encoding, split: 'test' })}` },
        { file: 'README.md', url: `/api/v1/snapshots/${snapshotId}/card?${query({ ...exportOptions, format, encoding })}` },
      ];
      for (const [index, part] of parts.entries()) {
        const response = await request('GET', part.url);
        if (!response.body) throw new CliError(`GET ${part.url} answered without a body`);
        if (index === 0) await mkdir(path.join(dir, 'data'), { recursive: true });
        await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), createWriteStream(path.join(dir, part.file)));
        onFile?.(part.file, index + 1, parts.length);
      }
      return parts.map((p) => p.file);
    },
    importFile: async ({ projectId, fileName, content, format, importJudgements }) => {
      const response = await request('POST', `/api/v1/projects/${projectId}/imports?${query({ fileName, format, importJudgements })}`, { data: content, contentType: 'application/octet-stream' });
      return (await response.json()) as ImportResult;
    },
    close: async () => {},
  };
}
