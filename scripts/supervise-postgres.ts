/**
 * Keeps the embedded PostgreSQL of `npm start` running: when it exits without being asked to
 * (killed, out of memory, a crash), it is started again on the same port and data directory, so
 * the web server's pool and the worker reconnect by themselves to the same address and find their
 * data (PostgreSQL replays its write-ahead log on start: every committed row is there).
 *
 * Why tries with backoff and a limit: right after a crash, the old server's backends may still be
 * exiting and holding its shared memory, and PostgreSQL refuses to start until they are gone, so
 * the first try may fail for a second or so. A server that cannot start at all (data directory
 * gone, disk full, wrong permissions) would fail forever: after `maxTries` failed tries in a row
 * the supervisor gives up and says why, in PostgreSQL's words, and npm start stops the web server
 * and the worker and exits non-zero (an app answering 500 to everything helps nobody). Tries count
 * again from zero once a restarted server has stayed up for `stableMs`.
 *
 * Kept apart from scripts/start.ts so the tests can supervise a real server in a temp directory.
 */
import type { EmbeddedDatabase, ServerExit } from './embedded-postgres';

export type PostgresSupervisorOptions = {
  database: EmbeddedDatabase;
  /** Failed restarts in a row before giving up (default 5). */
  maxTries?: number;
  /** Wait before try `n` (1-based); default 0.5 s, 1 s, 2 s, 4 s, 8 s. */
  backoffMs?: (tryNumber: number) => number;
  /** A restarted server that stays up this long resets the count of tries (default 60 s). */
  stableMs?: number;
  log: (line: string) => void;
  /** Called once, when the supervisor gives up; `reason` is a sentence for the operator. */
  onGiveUp: (reason: string) => void;
};

export type PostgresSupervisor = {
  /** Restarts done so far. */
  restarts: () => number;
  /** Stops watching (call before stopping the server on purpose, or when the process is stopping). */
  stopWatching: () => void;
};

export function defaultBackoffMs(tryNumber: number): number {
  return 500 * 2 ** (tryNumber - 1);
}

function describeExit(exit: ServerExit): string {
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}

export function supervisePostgres(options: PostgresSupervisorOptions): PostgresSupervisor {
  const { database, log } = options;
  const maxTries = options.maxTries ?? 5;
  const backoffMs = options.backoffMs ?? defaultBackoffMs;
  const stableMs = options.stableMs ?? 60_000;
  let isWatching = true;
  let restarts = 0;
  let triesInARow = 0;
  let lastReadyAt = Date.now();
  let cancelWait: (() => void) | null = null;

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      cancelWait = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const recover = async (exit: ServerExit) => {
    if (Date.now() - lastReadyAt >= stableMs) triesInARow = 0;
    const down = Date.now();
    log(`PostgreSQL on port ${database.port} stopped unexpectedly (${describeExit(exit)}); restarting it on the same port and data directory`);
    let lastError = '';
    while (isWatching) {
      if (triesInARow >= maxTries) {
        isWatching = false;
        options.onGiveUp(`PostgreSQL on port ${database.port} stopped (${describeExit(exit)}) and could not be restarted after ${maxTries} tries: ${lastError}`);
        return;
      }
      const delay = backoffMs(triesInARow + 1);
      await wait(delay);
      if (!isWatching) return;
      try {
        await database.restart();
        restarts += 1;
        lastReadyAt = Date.now();
        log(`PostgreSQL is back on port ${database.port} (${Date.now() - down} ms after it stopped, try ${triesInARow + 1})`);
        triesInARow += 1;
        return;
      } catch (error) {
        triesInARow += 1;
        lastError = error instanceof Error ? error.message : String(error);
        const next = triesInARow < maxTries ? `; next try in ${(backoffMs(triesInARow + 1) / 1000).toFixed(1)} s` : '';
        log(`restart try ${triesInARow} of ${maxTries} failed: ${lastError}${next}`);
      }
    }
  };

  database.onUnexpectedExit((exit) => {
    if (isWatching) void recover(exit);
  });

  return {
    restarts: () => restarts,
    stopWatching: () => {
      isWatching = false;
      cancelWait?.();
    },
  };
}
