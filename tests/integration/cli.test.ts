/**
 * `npx feedloop` as a child process, in both modes against this file's database: local
 * (DATABASE_URL, the services in the CLI's process) and remote (FEEDLOOP_URL + FEEDLOOP_API_KEY,
 * through the real production server's /api/v1). Run under `flock /tmp/feedloop-e2e.lock` (the
 * server's build is shared).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/server/db';
import { createApiKey } from '@/server/services/api-keys';
import { createUserAccount } from '@/server/services/users';
import { ingestFeedback, parseFeedbackItems } from '@/server/http/api-v1/ingest-feedback';
import { FORM_PRESETS } from '@/lib/forms/schema';
import { startRealServer, type RealServer } from '../helpers/http-server';

const root = path.resolve(__dirname, '../..');
const bin = path.join(root, 'node_modules/.bin/feedloop');

let server: RealServer;
let apiKey: string;
let projectId: number;
const PROJECT_NAME = 'CLI pairs';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'feedloop-cli-'));

type Mode = 'local' | 'remote' | 'none';
type Result = { code: number | null; stdout: string; stderr: string };

function run(mode: Mode, args: string[]): Promise<Result> {
  const { DATABASE_URL, FEEDLOOP_URL: _url, FEEDLOOP_API_KEY: _key, ...rest } = process.env;
  const env: NodeJS.ProcessEnv = { ...rest };
  if (mode === 'local') env.DATABASE_URL = DATABASE_URL;
  if (mode === 'remote') Object.assign(env, { FEEDLOOP_URL: server.baseUrl, FEEDLOOP_API_KEY: apiKey });
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: tmp, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function readTree(dir: string): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  const walk = (sub: string) => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const relative = path.join(sub, entry.name);
      if (entry.isDirectory()) walk(relative);
      else files[relative] = fs.readFileSync(path.join(dir, relative));
    }
  };
  walk('');
  return files;
}

beforeAll(async () => {
  server = await startRealServer({ databaseUrl: process.env.DATABASE_URL, env: { BETTER_AUTH_SECRET: process.env.BETTER_AUTH_SECRET ?? '' } });
  const admin = await createUserAccount({ email: 'cli-admin@example.test', password: 'correct horse battery', name: 'CLI admin', role: 'admin' });
  apiKey = (await createApiKey({ userId: admin.id, name: 'cli', scope: 'WRITE' })).key;
  projectId = (await db.project.create({ data: { name: PROJECT_NAME, form: FORM_PRESETS.pairwise, completionsPerTask: 2, undoSeconds: 0 }, select: { id: true } })).id;
  // Ratings to export: three train prompts, one held out (the test split).
  const items = parseFeedbackItems({
    items: [
      { prompt: 'What is 2+2?', completions: ['4', '22'], rating: { choice: 'a' } },
      { prompt: 'Say hi', completions: ['bye', 'hi'], rating: { choice: 'b' } },
      { prompt: [{ role: 'user', content: 'Capital of France?' }], completions: ['Paris', 'Rome'], rating: { choice: 'a' } },
      { prompt: 'Held out', completions: ['good', 'bad'], rating: { choice: 'a' }, externalId: 'heldout-1' },
    ],
  });
  const rows = await ingestFeedback({ projectId, items });
  await db.prompt.update({ where: { id: rows[3].promptId }, data: { split: 'HELDOUT' } });
}, 600_000);

afterAll(async () => {
  await server?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('feedloop CLI', () => {
  it('--help for the program and every command; exit code 2 on bad usage', async () => {
    const help = await run('none', ['--help']);
    expect(help.code).toBe(0);
    for (const command of ['projects', 'snapshot', 'export', 'import']) expect(help.stdout).toContain(command);
    for (const command of ['projects', 'snapshot', 'export', 'import']) {
      const result = await run('none', [command, '--help']);
      expect({ command, code: result.code }).toEqual({ command, code: 0 });
      expect(result.stdout).toContain(`Usage: feedloop ${command}`);
    }
    const bad: string[][] = [
      [],
      ['frobnicate'],
      ['export', '--project', '1', '--out', 'x'],
      ['export', '--project', '1', '--format', 'nope', '--out', 'x'],
      ['export', '--project', '1', '--format', 'raw', '--out', 'x', '--snapshot', 'abc'],
      ['import', '--project', '1'],
      ['projects', '--bogus'],
    ];
    for (const args of bad) expect({ args, code: (await run('local', args)).code }).toEqual({ args, code: 2 });
    // Neither mode configured.
    const unconfigured = await run('none', ['projects']);
    expect(unconfigured.code).toBe(2);
    expect(unconfigured.stderr).toMatch(/FEEDLOOP_URL/);
  });

  it('projects: the same list in both modes', async () => {
    const local = await run('local', ['--json', 'projects']);
    const remote = await run('remote', ['--json', 'projects']);
    expect([local.code, remote.code]).toEqual([0, 0]);
    const project = JSON.parse(local.stdout).find((p: { id: number }) => p.id === projectId);
    expect(project).toMatchObject({ name: PROJECT_NAME, form: { summary: 'pairwise' }, counts: { prompts: 4, annotations: { submitted: 4 } } });
    expect(JSON.parse(remote.stdout)).toEqual(JSON.parse(local.stdout));
    const text = await run('remote', ['projects']);
    expect(text.stdout).toContain(PROJECT_NAME);
    expect(text.stdout).not.toContain(apiKey.split('_').slice(2).join('_'));
  });

  it('export: a remote folder export is byte-identical to the local one, and holds the pairs that were rated', async () => {
    const snapshot = await run('remote', ['--json', 'snapshot', '--project', PROJECT_NAME, '--name', 'cli test']);
    expect(snapshot.code).toBe(0);
    const snapshotId = JSON.parse(snapshot.stdout).id as number;
    expect(await db.datasetSnapshot.findUniqueOrThrow({ where: { id: snapshotId }, select: { name: true, projectId: true } })).toEqual({ name: 'cli test', projectId });

    for (const encoding of ['jsonl', 'parquet']) {
      const localDir = path.join(tmp, `local-${encoding}`);
      const remoteDir = path.join(tmp, `remote-${encoding}`);
      const local = await run('local', ['export', '--project', String(projectId), '--snapshot', String(snapshotId), '--format', 'trl-preference', '--encoding', encoding, '--out', localDir]);
      const remote = await run('remote', ['export', '--project', PROJECT_NAME, '--snapshot', String(snapshotId), '--format', 'trl-preference', '--encoding', encoding, '--out', remoteDir]);
      expect([local.code, local.stderr, remote.code, remote.stderr]).toEqual([0, '', 0, '']);
      const localFiles = readTree(localDir);
      const remoteFiles = readTree(remoteDir);
      expect(Object.keys(localFiles).sort()).toEqual(['README.md', `data/test.${encoding}`, `data/train.${encoding}`]);
      expect(Object.keys(remoteFiles).sort()).toEqual(Object.keys(localFiles).sort());
      for (const name of Object.keys(localFiles)) expect(remoteFiles[name].equals(localFiles[name]), `${encoding} ${name}`).toBe(true);
    }
    const train = fs
      .readFileSync(path.join(tmp, 'local-jsonl/data/train.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(train.map((r) => [r.chosen, r.rejected])).toEqual([
      ['4', '22'],
      ['hi', 'bye'],
      ['Paris', 'Rome'],
    ]);
    const test = fs
      .readFileSync(path.join(tmp, 'local-jsonl/data/test.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(test.map((r) => [r.prompt, r.chosen, r.rejected])).toEqual([['Held out', 'good', 'bad']]);

    // A snapshot of another project is refused (exit 1), nothing written.
    const other = (await db.project.create({ data: { name: 'Other', form: FORM_PRESETS.pairwise, completionsPerTask: 2 }, select: { id: true } })).id;
    const wrong = await run('remote', ['export', '--project', String(other), '--snapshot', String(snapshotId), '--format', 'trl-preference', '--out', path.join(tmp, 'wrong')]);
    expect(wrong.code).toBe(1);
    expect(fs.existsSync(path.join(tmp, 'wrong'))).toBe(false);
  });

  it('import in both modes; a bad file fails with exit 1, its line errors, and writes nothing', async () => {
    const file = path.join(tmp, 'pairs.jsonl');
    fs.writeFileSync(file, `${JSON.stringify({ prompt: 'local import', completions: ['a', 'b'] })}\n`);
    const local = await run('local', ['--json', 'import', '--project', PROJECT_NAME, file]);
    expect(local.code).toBe(0);
    expect(JSON.parse(local.stdout)).toMatchObject({ promptCount: 1, completionCount: 2, taskCount: 1 });
    fs.writeFileSync(file, `${JSON.stringify({ prompt: 'remote import', completions: ['c', 'd'] })}\n`);
    const remote = await run('remote', ['import', '--project', String(projectId), file]);
    expect(remote.code).toBe(0);
    expect(remote.stdout).toMatch(/Imported 1 prompts/);
    expect(await db.prompt.count({ where: { projectId, text: { in: ['local import', 'remote import'] } } })).toBe(2);

    const before = await db.prompt.count();
    const bad = path.join(tmp, 'bad.jsonl');
    fs.writeFileSync(bad, '{"prompt": "p", "completions": ["a", "b"]}\nnot json\n');
    for (const mode of ['local', 'remote'] as const) {
      const result = await run(mode, ['import', '--project', PROJECT_NAME, bad]);
      expect({ mode, code: result.code }).toEqual({ mode, code: 1 });
      expect(result.stderr).toMatch(/line 2/);
    }
    expect(await db.prompt.count()).toBe(before);
    const missing = await run('local', ['import', '--project', PROJECT_NAME, path.join(tmp, 'missing.jsonl')]);
    expect(missing.code).toBe(1);
    const unknownProject = await run('remote', ['projects', '--json']).then(() => run('remote', ['snapshot', '--project', 'No such project']));
    expect(unknownProject.code).toBe(1);
    expect(unknownProject.stderr).toMatch(/No project "No such project"/);
  });

  it('no progress bar when stderr is not a terminal', async () => {
    const result = await run('remote', ['import', '--project', PROJECT_NAME, path.join(tmp, 'pairs.jsonl')]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
  });
});
