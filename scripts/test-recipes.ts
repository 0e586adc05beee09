/**
 * `npm run test:recipes`: the TRL recipes (trainer/external) trained on folders that Feedloop's own
 * exporters wrote. Not part of `npm test`: it needs Python with trainer/external/requirements.txt.
 *
 * 1. A fresh embedded PostgreSQL, migrated; two projects (pairwise, thumbs) with no undo window, so
 *    imported answers are settled at once.
 * 2. Through the `feedloop` CLI in local mode, as a user would: import the shared Anthropic HH file
 *    with its judgements (chosen beats rejected) into the pairwise project, and a KTO file made
 *    from the same pairs (chosen desirable, rejected not) into the thumbs project; export folders
 *    as trl-preference, sft and kto.
 * 3. pytest runs every recipe for three steps on a tiny random Qwen2 over those folders.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { startEmbeddedPostgres } from './embedded-postgres';
import { applyMigrations } from '../prisma/migrate';

const root = path.resolve(__dirname, '..');
const HH_FILE = path.resolve(root, '../shared/data/hh-rlhf-harmless-base-test.jsonl.gz');
const PYTHON = process.env.FEEDLOOP_PYTHON ?? 'python3';
const ASSISTANT = '\n\nAssistant:';

function run(command: string, args: string[], env: Record<string, string>) {
  console.log(`$ ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) throw new Error(`${command} exited with ${result.status}`);
}

/** The HH pairs as KTO lines: the shared conversation as prompt, each reply with its label. */
function writeKtoFile(file: string) {
  const lines = zlib.gunzipSync(fs.readFileSync(HH_FILE)).toString('utf8').split('\n').filter(Boolean);
  const out: string[] = [];
  for (const line of lines.slice(0, 400)) {
    const { chosen, rejected } = JSON.parse(line) as { chosen: string; rejected: string };
    const cut = chosen.lastIndexOf(ASSISTANT) + ASSISTANT.length;
    const prompt = chosen.slice(0, cut);
    if (!rejected.startsWith(prompt)) continue;
    out.push(JSON.stringify({ prompt, completion: chosen.slice(cut), label: true }), JSON.stringify({ prompt, completion: rejected.slice(cut), label: false }));
  }
  fs.writeFileSync(file, `${out.join('\n')}\n`);
}

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'feedloop-recipes-'));
  const postgres = await startEmbeddedPostgres({ dataDir: path.join(work, 'pg'), database: 'postgres', settings: { fsync: 'off' } });
  try {
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query('CREATE DATABASE feedloop_recipes');
    await admin.end();
    const databaseUrl = postgres.url.replace(/\/postgres$/, '/feedloop_recipes');
    await applyMigrations(databaseUrl);
    const env = { DATABASE_URL: databaseUrl, BETTER_AUTH_SECRET: 'recipes-test-secret-recipes-test-secret-0123' };
    Object.assign(process.env, env);

    const { createProject } = await import('../server/services/projects');
    const { FORM_PRESETS, ZRatingForm } = await import('../lib/forms/schema');
    const { db } = await import('../server/db');
    const common = { guidelines: '', overlap: 1, completionsPerTask: 2, undoSeconds: 0, createdById: null };
    await createProject({ ...common, name: 'HH pairs', form: ZRatingForm.parse(FORM_PRESETS.pairwise) });
    await createProject({ ...common, name: 'HH thumbs', completionsPerTask: 1, form: ZRatingForm.parse(FORM_PRESETS.thumbs) });
    await db.$disconnect();

    const ktoFile = path.join(work, 'hh-kto.jsonl');
    writeKtoFile(ktoFile);
    const cli = path.join(root, 'node_modules/.bin/feedloop');
    const exports = path.join(work, 'exports');
    run(cli, ['import', '--project', 'HH pairs', HH_FILE], env);
    run(cli, ['import', '--project', 'HH thumbs', ktoFile], env);
    // A seeded 10% of prompts as the test split, so every recipe also evaluates on held-out rows.
    for (const [project, format] of [
      ['HH pairs', 'trl-preference'],
      ['HH pairs', 'sft'],
      ['HH thumbs', 'kto'],
    ]) {
      run(cli, ['export', '--project', project, '--format', format, '--test-percent', '10', '--seed', '1', '--out', path.join(exports, format)], env);
    }
    run(PYTHON, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'trainer/external/tests'], { FEEDLOOP_EXPORTS: exports });
  } finally {
    await postgres.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
