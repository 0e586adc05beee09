/**
 * Applies and creates Prisma migrations with no native engine.
 *
 * `prisma migrate deploy` needs a native schema engine that the CLI downloads on first use; on
 * machines that cannot download it, this runner drives the same engine compiled to WebAssembly
 * (@prisma/schema-engine-wasm, the version @prisma/internals pins) through the pg driver adapter.
 * It records applied migrations in `_prisma_migrations` exactly as `prisma migrate deploy` does,
 * so the two are interchangeable.
 *
 *   tsx prisma/migrate.ts deploy          apply pending migrations to DATABASE_URL
 *   tsx prisma/migrate.ts new <name>      write a migration for the schema's changes
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';

const prismaDir = path.resolve(__dirname);
const schemaPath = path.join(prismaDir, 'schema.prisma');
const migrationsDir = path.join(prismaDir, 'migrations');
const lockfileName = 'migration_lock.toml';
/** The schema as of the last migration; see createMigration. */
const snapshotName = 'schema.snapshot.prisma';
const filters = { externalTables: [], externalEnums: [] };

type SchemaEngineModule = typeof import('@prisma/schema-engine-wasm/schema_engine_bg');
type SchemaEngine = Awaited<ReturnType<SchemaEngineModule['SchemaEngine']['new']>>;

let runtimePromise: Promise<SchemaEngineModule> | null = null;

/** Instantiates the wasm engine once per process. */
function loadRuntime(): Promise<SchemaEngineModule> {
  runtimePromise ??= (async () => {
    const runtime: SchemaEngineModule = await import('@prisma/schema-engine-wasm/schema_engine_bg');
    const require = createRequire(__filename);
    const wasmPath = path.join(path.dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg')), 'schema_engine_bg.wasm');
    const { instance } = await WebAssembly.instantiate(fs.readFileSync(wasmPath), { './schema_engine_bg.js': runtime as unknown as WebAssembly.ModuleImports });
    const exports = instance.exports as WebAssembly.Exports & { __wbindgen_start: () => void };
    (runtime as unknown as { __wbg_set_wasm: (e: WebAssembly.Exports) => void }).__wbg_set_wasm(exports);
    exports.__wbindgen_start();
    return runtime;
  })();
  return runtimePromise;
}

type PgAdapter = Awaited<ReturnType<PrismaPg['connect']>>;

/**
 * The pg adapter runs a migration script by splitting it at every ';', which breaks any script
 * holding a function body, a DO block or a ';' in a comment. Send scripts whole instead, as
 * `prisma migrate deploy` does: a query without parameters goes out on PostgreSQL's simple query
 * protocol, which runs several statements in one message.
 */
/**
 * Wraps the adapter factory so that scripts go whole (see above) and every connection it opens is
 * disposed exactly once when we are done: the engine does not dispose them, and an open
 * connection keeps a database from being dropped or used as a template.
 */
function managedFactory(config: pg.PoolConfig): { factory: PrismaPg; disposeAll: () => Promise<void> } {
  const factory = new PrismaPg(config);
  const opened: PgAdapter[] = [];
  const prepare = (adapter: PgAdapter): PgAdapter => {
    adapter.executeScript = async (script: string) => {
      await adapter.executeRaw({ sql: script, args: [], argTypes: [] });
    };
    const dispose = adapter.dispose.bind(adapter);
    let disposed: Promise<void> | null = null;
    adapter.dispose = () => (disposed ??= dispose());
    opened.push(adapter);
    return adapter;
  };
  const connect = factory.connect.bind(factory);
  const connectToShadowDb = factory.connectToShadowDb.bind(factory);
  factory.connect = async () => prepare(await connect());
  factory.connectToShadowDb = async () => prepare(await connectToShadowDb());
  const disposeAll = async () => {
    for (const adapter of [...opened].reverse()) await adapter.dispose();
  };
  return { factory, disposeAll };
}

async function withEngine<T>(databaseUrl: string, run: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  const runtime = await loadRuntime();
  const { factory, disposeAll } = managedFactory({ ...poolConfigFromUrl(databaseUrl), max: 2 });
  const adapter = bindMigrationAwareSqlAdapterFactory(factory);
  const schema = fs.readFileSync(schemaPath, 'utf8');
  const log = (message: string) => {
    if (process.env.MIGRATE_DEBUG) console.error('[migrate]', message);
  };
  const engine = await runtime.SchemaEngine.new({ datamodels: [[schemaPath, schema]] }, log, adapter);
  try {
    return await run(engine);
  } finally {
    engine.free();
    await disposeAll();
  }
}

/**
 * Discrete connection settings rather than a connection string: the adapter makes a shadow
 * database by overriding `database`, which a connection string would silently win over.
 */
function poolConfigFromUrl(databaseUrl: string): pg.PoolConfig {
  const url = new URL(databaseUrl);
  const sslmode = url.searchParams.get('sslmode');
  return {
    host: decodeURIComponent(url.hostname) || undefined,
    port: url.port ? Number(url.port) : undefined,
    user: decodeURIComponent(url.username) || undefined,
    password: decodeURIComponent(url.password) || undefined,
    database: decodeURIComponent(url.pathname.slice(1)) || undefined,
    ssl: sslmode === 'require' || sslmode === 'verify-full' ? { rejectUnauthorized: sslmode === 'verify-full' } : undefined,
  };
}

function readMigrationList() {
  const lockPath = path.join(migrationsDir, lockfileName);
  const directories = fs.existsSync(migrationsDir)
    ? fs
        .readdirSync(migrationsDir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort()
    : [];
  return {
    baseDir: migrationsDir,
    lockfile: { path: lockfileName, content: fs.existsSync(lockPath) ? fs.readFileSync(lockPath, 'utf8') : null },
    shadowDbInitScript: '',
    migrationDirectories: directories.map((name) => ({
      path: name,
      migrationFile: { path: 'migration.sql', content: { tag: 'ok' as const, value: fs.readFileSync(path.join(migrationsDir, name, 'migration.sql'), 'utf8') } },
    })),
  };
}

/** Applies pending migrations; returns the names it applied. */
export async function applyMigrations(databaseUrl: string): Promise<string[]> {
  return withEngine(databaseUrl, async (engine) => {
    const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList: readMigrationList(), filters });
    return appliedMigrationNames;
  });
}

/**
 * Writes prisma/migrations/<timestamp>_<name>/migration.sql with the SQL that takes the schema as
 * of the last migration (kept in prisma/migrations/schema.snapshot.prisma) to the current one.
 *
 * Why a snapshot rather than replaying the migrations on a shadow database, as `prisma migrate
 * dev` does: the wasm engine cannot introspect PostgreSQL through the pg adapter (it fails on
 * the catalog's "char" columns), while a diff of two schema files needs no database at all.
 * SQL added by hand to a migration (functions, for instance) stays out of the diff either way.
 */
export async function createMigration(databaseUrl: string, name: string): Promise<string | null> {
  const list = readMigrationList();
  const snapshotPath = path.join(migrationsDir, snapshotName);
  if (list.migrationDirectories.length > 0 && !fs.existsSync(snapshotPath)) {
    throw new Error(`${path.relative(process.cwd(), snapshotPath)} is missing: copy the schema as of the last migration there first`);
  }
  const schema = fs.readFileSync(schemaPath, 'utf8');
  const sql = await withEngine(databaseUrl, async (engine) => {
    const from = fs.existsSync(snapshotPath) ? { tag: 'schemaDatamodel' as const, files: [{ path: snapshotPath, content: fs.readFileSync(snapshotPath, 'utf8') }] } : { tag: 'empty' as const };
    const result = await engine.diff({ from, to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content: schema }] }, script: true, exitCode: null, filters });
    return result.stdout ?? '';
  });
  if (!sql.trim() || sql.includes('This is an empty migration')) return null;
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const dir = path.join(migrationsDir, `${stamp}_${name.replace(/[^a-z0-9_]+/gi, '_')}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'migration.sql'), sql);
  fs.writeFileSync(snapshotPath, schema);
  const lockPath = path.join(migrationsDir, lockfileName);
  if (!fs.existsSync(lockPath)) {
    fs.writeFileSync(lockPath, '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n');
  }
  return dir;
}

async function main() {
  const [command, name] = process.argv.slice(2);
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('DATABASE_URL is not set');
  if (command === 'deploy') {
    const applied = await applyMigrations(databaseUrl);
    console.log(applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}` : 'No pending migrations.');
  } else if (command === 'new') {
    if (!name) throw new Error('Usage: tsx prisma/migrate.ts new <name>');
    const dir = await createMigration(databaseUrl, name);
    console.log(dir ? `Wrote ${path.relative(process.cwd(), dir)}/migration.sql` : 'The schema has no changes.');
  } else {
    throw new Error('Usage: tsx prisma/migrate.ts deploy | new <name>');
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
