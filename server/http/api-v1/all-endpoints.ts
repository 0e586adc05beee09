/** The whole /api/v1 table, openapi.json included (it documents the table it belongs to). */
import { sendJson } from '../respond';
import type { Endpoint } from './endpoints';
import { projectEndpoints } from './endpoints';
import { buildOpenApi } from './openapi';
import { snapshotEndpoints } from './snapshots';

const openApiEndpoint: Endpoint = {
  method: 'GET',
  path: '/api/v1/openapi.json',
  scope: 'PUBLIC',
  summary: 'This API described in OpenAPI 3.1',
  responses: { 200: 'The OpenAPI document' },
  handle: async ({ res }) => sendJson(res, 200, buildOpenApi(API_V1_ENDPOINTS)),
};

export const API_V1_ENDPOINTS: readonly Endpoint[] = [...projectEndpoints, ...snapshotEndpoints, openApiEndpoint];
