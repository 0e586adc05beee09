/**
 * Builds the web app when needed and starts the server (server/http/main.ts: the HTTP edge in
 * front of Next and tRPC) as a child process. `npm start`, the end-to-end tests and the annotation
 * benchmark all serve the app this way, so they test and measure what ships; `npm run dev` starts
 * the same server with `dev: true` (Next in development mode, same edge).
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { isBuildStale } from './build-freshness';

const root = path.resolve(__dirname, '..');
const nextBin = path.join(root, 'node_modules/next/dist/bin/next');
const tsxCli = path.join(root, 'node_modules/tsx/dist/cli.mjs');

/**
 * Runs `next build` when there is no build or the sources are newer; returns whether it built.
 * Test files that start the real server run in parallel, and two builds writing .next at once
 * break both: the build runs under a lock, and whoever waited on it checks staleness again.
 */
export function buildIfStale(options: { log?: (line: string) => void } = {}): boolean {
  if (!isBuildStale(root)) return false;
  return withBuildLock(() => {
    if (!isBuildStale(root)) return false;
    options.log?.('building the web app (no build yet, or the sources changed) ...');
    const result = spawnSync(process.execPath, [nextBin, 'build'], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' },
    });
    if (result.status !== 0) throw new Error('next build failed');
    return true;
  });
}

const buildLock = path.join(root, '.next-build.lock');

/** A lock directory (mkdir is atomic) holding its owner's pid; a lock whose owner died is taken over. */
function withBuildLock<T>(work: () => T): T {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      fs.mkdirSync(buildLock);
      fs.writeFileSync(path.join(buildLock, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (isLockOwnerGone()) fs.rmSync(buildLock, { recursive: true, force: true });
      else Atomics.wait(pause, 0, 0, 500);
    }
  }
  try {
    return work();
  } finally {
    fs.rmSync(buildLock, { recursive: true, force: true });
  }
}

function isLockOwnerGone(): boolean {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(buildLock, 'pid'), 'utf8'));
  } catch {
    return false; // just created: the owner is writing its pid
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export type WebServer = { url: string; process: ChildProcess; stop: () => Promise<void> };

/**
 * Starts the server and resolves once it answers. `env` adds to this process's environment;
 * output goes to `logFile` when given, else to this process's stdout/stderr. `dev` serves Next in
 * development mode (no build needed) behind the same edge.
 */
export async function startWebServer(options: {
  port: number;
  host?: string;
  env?: Record<string, string>;
  logFile?: string;
  timeoutMs?: number;
  dev?: boolean;
  /** Flags for node itself (e.g. --cpu-prof); the server then runs in one process with tsx as a loader. */
  nodeArgs?: string[];
}): Promise<WebServer> {
  const host = options.host ?? '127.0.0.1';
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${options.port}`;
  let log: number | null = null;
  if (options.logFile) {
    fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
    log = fs.openSync(options.logFile, 'a');
  }
  const entry = [path.join(root, 'server/http/main.ts'), ...(options.dev ? ['--dev'] : [])];
  const args = options.nodeArgs ? [...options.nodeArgs, '--import', 'tsx', ...entry] : [tsxCli, ...entry];
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...options.env, PORT: String(options.port), HOST: host, NODE_ENV: options.dev ? 'development' : 'production', NEXT_TELEMETRY_DISABLED: '1' },
    stdio: ['ignore', log ?? 'inherit', log ?? 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const stop = async () => {
    if (!hasExited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (log !== null) fs.closeSync(log);
    log = null;
  };

  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (hasExited) {
      const tail = options.logFile ? `:\n${fs.readFileSync(options.logFile, 'utf8').slice(-2000)}` : '';
      throw new Error(`the web server exited before answering${tail}`);
    }
    try {
      const response = await fetch(`${url}/api/trpc/session.me`);
      if (response.ok) return { url, process: child, stop };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stop();
  throw new Error(`the web server did not answer within ${Math.round((options.timeoutMs ?? 60_000) / 1000)} s`);
}
