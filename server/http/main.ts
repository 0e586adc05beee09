/**
 * The web server's entry: `npm start` (via scripts/web-server.ts) and, with `--dev`, `npm run dev`
 * (Next in development mode behind the same edge). Everything a request meets is in
 * server/http/app-server.ts.
 *
 * Why not plain `next start`: every API call would then pass through Next's routing, rendering
 * and fetch-adapter machinery before it reaches tRPC. Measured on the 2-core reference machine
 * (wrk, 100 connections, a procedure that does no I/O): 1,660 requests/s through `next start`,
 * 7,000 through tRPC's own Node adapter (idle machine). The edge in front of that adapter adds
 * string checks only: about 1-3 µs per request in-process. Through HTTP (session.me without a
 * cookie, 100 keep-alive connections from a Node client on the same 2 cores, other load at ~9):
 * 952 requests/s through the edge against 866 through the bare adapter in the same minute, i.e.
 * no visible difference; those absolute numbers reflect the busy machine, not the edge.
 */
import path from 'node:path';
import { db } from '../db';
import { env } from '../env';
import { closeHotPathPool } from '../hot-path-sql';
import { createAppServer } from './app-server';

async function main() {
  const isDev = process.argv.includes('--dev');
  const { server, close } = await createAppServer({ isDev, dir: path.resolve(__dirname, '../..'), hostname: env.HOST, port: env.PORT });
  server.listen(env.PORT, env.HOST, () => console.log(`[web] listening on http://${env.HOST}:${env.PORT}${isDev ? ' (development)' : ''}`));

  const stop = () => {
    void Promise.allSettled([close(), db.$disconnect(), closeHotPathPool()]).then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error('[web] failed to start:', error);
  process.exit(1);
});
