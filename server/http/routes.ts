/**
 * The edge's routes other than tRPC and pages, first match wins. Each declares its methods and body
 * limit (server/http/route-types.ts); adding one is one line here.
 */
import { authRoute } from './auth-route';
import { healthRoute } from './health-route';
import { apiV1Route } from './api-v1/route';
import { datasetExportRoute } from './dataset-export-route';
import { exportJobRoute } from './export-job-route';
import type { EdgeRoute } from './route-types';

export const edgeRoutes: readonly EdgeRoute[] = [authRoute, healthRoute, apiV1Route, datasetExportRoute, exportJobRoute];
