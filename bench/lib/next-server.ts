/** Builds (when stale) and starts the real Next.js production server for a benchmark. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { isBuildStale } from '../../scripts/build-freshness';

const root = path.resolve(__dirname, '../..');
const nextBin = path.join(root, 'node_modules/next/dist/bin/next');

export function buildIfStale() {
  if (!isBuildStale(root)) {
    console.log('Next.js build is up to date.');
    return;
  }
  console.log('Building the Next.js app (next build)...');
  const result = spawnSync(process.execPath, [nextBin, 'build'], { cwd: root, stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' } });
  if (result.status !== 0) throw new Error('next build failed');
}

export type RunningServer = { url: string; stop: () => Promise<void> };

export async function startNextServer(options: { port: number; env: Record<string, string>; logFile: string }): Promise<RunningServer> {
  const url = `http://127.0.0.1:${options.port}`;
  const log = fs.openSync(options.logFile, 'a');
  const child: ChildProcess = spawn(process.execPath, [nextBin, 'start', '-p', String(options.port), '-H', '127.0.0.1'], {
    cwd: root,
    env: { ...process.env, ...options.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' },
    stdio: ['ignore', log, log],
    detached: true,
  });
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  const stop = async () => {
    if (exited || child.pid === undefined) return;
    const done = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid, 'SIGTERM');
    const timer = setTimeout(() => child.pid !== undefined && !exited && process.kill(-child.pid, 'SIGKILL'), 5000);
    await done;
    clearTimeout(timer);
    fs.closeSync(log);
  };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`next start exited; see ${options.logFile}:\n${fs.readFileSync(options.logFile, 'utf8').slice(-2000)}`);
    try {
      const response = await fetch(`${url}/api/trpc/session.me`);
      if (response.ok) return { url, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error('next start did not answer within 60 s');
}
