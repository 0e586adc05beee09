/**
 * Every /api/v1 endpoint in one table: method, path template, the key scope it needs, its
 * OpenAPI description and its handler. The router (route.ts) and openapi.json are both built from
 * this table, so an endpoint cannot exist without being documented.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { ApiKeyPrincipal } from '../../services/api-keys';
import { importFile } from '../../services/import/import-file';
import { IMPORT_FORMATS } from '../../services/import/types';
import type { EdgeContext } from '../route-types';
import { sendJson } from '../respond';
import type { Scope } from './auth';
import { parsePathId, parseQuery, readJsonBody } from './http';
import { ingestFeedback, parseFeedbackItems, ZFeedbackItem } from './ingest-feedback';
import { listApiProjects } from './projects';
import { ZSafeText } from '../../../lib/validation';

export type Call = {
  req: IncomingMessage;
  res: ServerResponse;
  ctx: EdgeContext;
  params: Record<string, string>;
  principal: ApiKeyPrincipal | null;
};

export type Endpoint = {
  method: 'GET' | 'POST' | 'DELETE';
  /** OpenAPI path template: /api/v1/projects/{id}/feedback */
  path: string;
  scope: Scope;
  summary: string;
  description?: string;
  /** Query parameters, for the document (handlers parse them themselves). */
  query?: z.ZodObject;
  /** The request body: JSON with a schema, or a raw upload. */
  body?: { kind: 'json'; schema: z.ZodType } | { kind: 'file' };
  /** Status → description of the success answers (errors are documented once for all). */
  responses: Record<number, string>;
  /** Whether the answer is a file stream rather than JSON. */
  streams?: string;
  handle: (call: Call) => Promise<void>;
};

const ZImportQuery = z.object({
  fileName: ZSafeText(500).trim().min(1).default('upload.jsonl'),
  format: z.enum(IMPORT_FORMATS).optional(),
  importJudgements: z.enum(['true', 'false']).default('true'),
});

const projectId = (call: Call) => parsePathId(call.params.id ?? '', 'The project id');

export const projectEndpoints: Endpoint[] = [
  {
    method: 'GET',
    path: '/api/v1/projects',
    scope: 'READ',
    summary: 'List projects with their form and counts',
    responses: { 200: '{ projects: [{ id, name, form: { summary, questions }, completionsPerTask, overlap, counts, createdAt }] }' },
    handle: async ({ res }) => sendJson(res, 200, { projects: await listApiProjects() }),
  },
  {
    method: 'POST',
    path: '/api/v1/projects/{id}/imports',
    scope: 'WRITE',
    summary: 'Import a file of prompts and completions (all-or-nothing)',
    description:
      'The body is the file itself (JSONL, JSON or CSV, gzipped or not; at most 50 MB). format forces a format (else detected); importJudgements=false imports the prompts and completions without the judgements the file carries. Invalid files answer 400 with the first line errors in error.details.',
    query: ZImportQuery,
    body: { kind: 'file' },
    responses: { 201: '{ importId, format, promptCount, completionCount, taskCount }' },
    handle: async (call) => {
      const id = projectId(call);
      const query = parseQuery(call.ctx.url, ZImportQuery);
      const content = await call.ctx.readBody();
      const result = await importFile({
        projectId: id,
        fileName: query.fileName,
        content,
        format: query.format,
        importJudgements: query.importJudgements === 'true',
        userId: call.principal?.user.id ?? null,
      });
      sendJson(call.res, 201, result);
    },
  },
  {
    method: 'POST',
    path: '/api/v1/projects/{id}/feedback',
    scope: 'WRITE',
    summary: 'Send feedback collected outside the annotation UI',
    description:
      'One item or { "items": [...] } of up to 1,000. Each item becomes a task; a rating becomes an answer by the "api-feedback" pseudo-annotator. ' +
      'All items are written in one transaction: a bad item answers 400 with its index and reason, and nothing is written. ' +
      'An externalId already received answers 409 with the rows written the first time (error.details.existing).',
    body: { kind: 'json', schema: z.union([ZFeedbackItem, z.object({ items: z.array(ZFeedbackItem).min(1).max(1000) })]) },
    responses: { 201: '{ items: [{ index, externalId, promptId, taskId, completionIds, annotationId }] }' },
    handle: async (call) => {
      const id = projectId(call);
      const items = parseFeedbackItems(await readJsonBody(call.ctx));
      sendJson(call.res, 201, { items: await ingestFeedback({ projectId: id, items }) });
    },
  },
];
