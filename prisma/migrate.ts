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
function sendScriptsWhole(factory: PrismaPg): PrismaPg {
  const wholeScripts = (adapter: PgAdapter): PgAdapter => {
    adapter.executeScript = async (script: string) => {
      await adapter.executeRaw({ sql: script, args: [], argTypes: [] });
    };
    return adapter;
  };
  const connect = factory.connect.bind(factory);
  const connectToShadowDb = factory.connectToShadowDb.bind(factory);
  factory.connect = async () => wholeScripts(await connect());
  factory.connectToShadowDb = async () => wholeScripts(await connectToShadowDb());
  return factory;
}

async function withEngine<T>(databaseUrl: string, run: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  const runtime = await loadRuntime();
  // Our own pool, so its connections close when we are done (the engine does not close them).
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const adapter = bindMigrationAwareSqlAdapterFactory(sendScriptsWhole(new PrismaPg(pool)));
  const schema = fs.readFileSync(schemaPath, 'utf8');
  const log = (message: string) => {
    if (process.env.MIGRATE_DEBUG) console.error('[migrate]', message);
  };
  const engine = await runtime.SchemaEngine.new({ datamodels: [[schemaPath, schema]] }, log, adapter);
  try {
    return await run(engine);
  } finally {
    engine.free();
    await pool.end();
  }
}

function readMigrationList() {
  const lockPath = path.join(migrationsDir, lockfileName);
  const directories = fs.existsSync(migrationsDir)
    ? fs.readdirSync(migrationsDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()
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

/** Writes prisma/migrations/<timestamp>_<name>/migration.sql with the SQL that brings the migrations up to the schema. */
export async function createMigration(databaseUrl: string, name: string): Promise<string | null> {
  const list = readMigrationList();
  const sql = await withEngine(databaseUrl, async (engine) => {
    const from = list.migrationDirectories.length === 0 ? { tag: 'empty' as const } : { tag: 'migrations' as const, ...list };
    const schema = fs.readFileSync(schemaPath, 'utf8');
    const result = await engine.diff({ from, to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content: schema }] }, script: true, exitCode: null, filters });
    return result.stdout ?? '';
  });
  if (!sql.trim() || sql.includes('This is an empty migration')) return null;
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const dir = path.join(migrationsDir, `${stamp}_${name.replace(/[^a-z0-9_]+/gi, '_')}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'migration.sql'), sql);
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
