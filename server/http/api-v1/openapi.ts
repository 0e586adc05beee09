/** openapi.json, generated from the endpoint table (schemas through zod's JSON Schema output). */
import { z } from 'zod';
import type { Endpoint } from './endpoints';

const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'object' } },
    },
  },
};

const ERROR_RESPONSES = {
  400: 'Invalid input (error.message says what; error.details may say where)',
  401: 'No API key, or one that is unknown, revoked, or whose owner is no longer an enabled admin',
  403: 'A READ key on an endpoint that writes',
  404: 'No such resource',
  409: 'Conflicts with what exists (e.g. an externalId already received)',
  413: 'The body is too large (1 MB for JSON, 64 MB for imports)',
};

function toJsonSchema(schema: z.ZodType): unknown {
  return z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });
}

export function buildOpenApi(endpoints: readonly Endpoint[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const endpoint of endpoints) {
    const pathParams = [...endpoint.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'integer', minimum: 1, maximum: 2147483647 } }));
    const queryParams = endpoint.query
      ? Object.entries(endpoint.query.shape).map(([name, schema]) => ({ name, in: 'query', required: !(schema as z.ZodType).safeParse(undefined).success, schema: toJsonSchema(schema as z.ZodType) }))
      : [];
    const successes = Object.fromEntries(
      Object.entries(endpoint.responses).map(([status, description]) => [
        status,
        endpoint.streams
          ? { description, content: { [endpoint.streams]: { schema: { type: 'string', format: 'binary' } } } }
          : { description, content: { 'application/json': { schema: { type: 'object' } } } },
      ]),
    );
    const errors = Object.fromEntries(
      Object.entries(ERROR_RESPONSES)
        .filter(([status]) => endpoint.scope !== 'PUBLIC' || status === '404')
        .map(([status, description]) => [status, { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }]),
    );
    paths[endpoint.path] ??= {};
    paths[endpoint.path][endpoint.method.toLowerCase()] = {
      operationId: `${endpoint.method.toLowerCase()}${endpoint.path
        .replace('/api/v1', '')
        .replace(/\{(\w+)\}/g, 'By_$1')
        .replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      summary: endpoint.summary,
      ...(endpoint.description ? { description: endpoint.description } : {}),
      'x-feedloop-scope': endpoint.scope,
      security: endpoint.scope === 'PUBLIC' ? [] : [{ apiKey: [] }],
      parameters: [...pathParams, ...queryParams],
      ...(endpoint.body
        ? {
            requestBody: {
              required: true,
              content:
                endpoint.body.kind === 'json'
                  ? { 'application/json': { schema: toJsonSchema(endpoint.body.schema) } }
                  : { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
            },
          }
        : {}),
      responses: { ...successes, ...errors },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Feedloop API',
      version: '1',
      description: 'Projects, dataset snapshots, exports, imports and feedback ingestion. Authenticate with an API key: `Authorization: Bearer fl_...` (Admin → API keys).',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', bearerFormat: 'fl_<id>_<secret>' } },
      schemas: { Error: ERROR_SCHEMA },
    },
    paths,
  };
}
