/** GET /api/health: for load balancers and `npm start`'s operators; no session, no body. */
import { readHealth } from '../services/health';
import type { EdgeRoute } from './route-types';
import { sendJson } from './respond';

export const healthRoute: EdgeRoute = {
  name: 'health',
  matches: (pathname) => pathname === '/api/health',
  methods: ['GET'],
  maxBodyBytes: 0,
  handle: async (_req, res) => {
    const health = await readHealth();
    sendJson(res, health.httpStatus, health.body);
  },
};
