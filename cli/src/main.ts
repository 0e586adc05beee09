/**
 * feedloop: projects, snapshots, exports and imports from a terminal, a script or a notebook.
 *
 * Two modes, same commands, same output:
 * - remote: FEEDLOOP_URL and FEEDLOOP_API_KEY set → /api/v1 of that server (an admin's API key);
 * - local: DATABASE_URL set → the services on that database directly (no web server needed).
 * A remote folder export is byte for byte the local one (the server runs the same exporter).
 *
 * Exit codes: 0 done, 1 failed, 2 bad usage.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { CliError, UsageError, type ApiProject, type Backend } from './backend';
import { createProgress } from './progress';

const EXPORT_FORMATS = ['trl-preference', 'trl-preference-chat', 'kto', 'sft', 'sft-messages', 'hh', 'raw'];
const EXPORT_ENCODINGS = ['jsonl', 'jsonl.gz', 'csv', 'parquet'];

async function openBackend(): Promise<Backend> {
  const { FEEDLOOP_URL: url, FEEDLOOP_API_KEY: apiKey, DATABASE_URL: databaseUrl } = process.env;
  if (url) {
    if (!apiKey) throw new UsageError('FEEDLOOP_URL is set but FEEDLOOP_API_KEY is not: create a key under Admin → API keys');
    const { createRemoteBackend } = await import('./remote');
    return createRemoteBackend({ url, apiKey });
  }
  if (databaseUrl) {
    const { createLocalBackend } = await import('./local');
    return createLocalBackend();
  }
  throw new UsageError('Set FEEDLOOP_URL and FEEDLOOP_API_KEY (remote, through /api/v1) or DATABASE_URL (local, on the database)');
}

/** Runs a command with a backend, closing it afterwards. */
async function withBackend(work: (backend: Backend) => Promise<void>) {
  const backend = await openBackend();
  try {
    await work(backend);
  } finally {
    await backend.close();
  }
}

/** A project by id ("12") or exact name ("Helpfulness"); a name that fits several is an error. */
async function resolveProject(backend: Backend, ref: string): Promise<ApiProject> {
  const projects = await backend.listProjects();
  const byId = /^\d+$/.test(ref) ? projects.find((p) => p.id === Number(ref)) : undefined;
  if (byId) return byId;
  const named = projects.filter((p) => p.name === ref);
  const matches = named.length > 0 ? named : projects.filter((p) => p.name.toLowerCase() === ref.toLowerCase());
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) throw new CliError(`${matches.length} projects are named "${ref}" (ids ${matches.map((p) => p.id).join(', ')}): use the id`);
  throw new CliError(`No project "${ref}" (see \`feedloop projects\`)`);
}

const parseId = (value: string) => {
  if (!/^\d{1,10}$/.test(value) || Number(value) < 1 || Number(value) > 2_147_483_647) throw new InvalidArgumentError('must be an id (a whole number from 1 to 2147483647)');
  return Number(value);
};
const parseNumber = (min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`must be a number from ${min} to ${max}`);
  return n;
};
const parseDate = (value: string) => {
  if (Number.isNaN(Date.parse(value))) throw new InvalidArgumentError('must be a date (2026-12-01 or an ISO time)');
  return new Date(value).toISOString();
};

type SnapshotOptions = {
  name?: string;
  from?: string;
  to?: string;
  annotator?: string[];
  question?: string;
  minAgreement?: number;
  excludeFlagged?: boolean;
  labelSource?: string;
  weightByConfidence?: boolean;
  testPercent?: number;
  seed?: number;
};

function addSnapshotFilters(command: Command): Command {
  return command
    .option('--name <name>', 'a name for the snapshot')
    .option('--from <date>', 'only annotations made at or after this time', parseDate)
    .option('--to <date>', 'only annotations made at or before this time', parseDate)
    .option('--annotator <userId...>', "only these annotators' answers")
    .option('--question <id>', 'only annotations that answered this question')
    .option('--min-agreement <share>', 'only tasks whose annotators agree at least this much (0-1)', parseNumber(0, 1))
    .option('--exclude-flagged', 'leave out flagged tasks')
    .addOption(new Option('--label-source <source>', 'every answer, or one consensus answer per task (majority vote, or Dawid-Skene)').choices(['all', 'majority', 'dawid-skene']))
    .option('--weight-by-confidence', 'every exported row carries `weight`, the confidence of its label (0-1)')
    .option('--test-percent <percent>', 'a seeded share of prompts as the test split, instead of the held-out prompts', parseNumber(0, 100))
    .option('--seed <n>', 'seed of --test-percent (default 0)', parseNumber(0, 2_147_483_647));
}

function filtersOf(options: SnapshotOptions): Record<string, unknown> {
  return {
    ...(options.from ? { from: options.from } : {}),
    ...(options.to ? { to: options.to } : {}),
    ...(options.annotator ? { annotatorIds: options.annotator } : {}),
    ...(options.question ? { questionId: options.question } : {}),
    ...(options.minAgreement !== undefined ? { minAgreement: options.minAgreement } : {}),
    ...(options.excludeFlagged ? { excludeFlagged: true } : {}),
    ...(options.labelSource ? { labelSource: options.labelSource } : {}),
    ...(options.weightByConfidence ? { weightByConfidence: true } : {}),
    ...(options.testPercent !== undefined ? { split: { mode: 'hash', testPercent: options.testPercent, seed: options.seed ?? 0 } } : {}),
  };
}

/** Result lines to stdout: a table for people, or JSON with --json. */
function print(isJson: boolean, value: unknown, text: string) {
  process.stdout.write(isJson ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
}

export function buildProgram(): Command {
  const program = new Command('feedloop')
    .description("Feedloop from the command line.\n\nRemote: set FEEDLOOP_URL and FEEDLOOP_API_KEY (an admin's key, Admin → API keys).\nLocal: set DATABASE_URL (the services run in this process).")
    .option('--json', 'print results as JSON')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const isJson = () => Boolean(program.opts().json);

  program
    .command('projects')
    .description('list projects with their form and counts')
    .action(() =>
      withBackend(async (backend) => {
        const projects = await backend.listProjects();
        const lines = projects.map(
          (p) =>
            `${String(p.id).padStart(5)}  ${p.name}  (${p.form.summary}; ${p.counts.prompts} prompts, ${p.counts.tasks.done}/${p.counts.tasks.total} tasks done, ${p.counts.annotations.submitted} answers)`,
        );
        print(isJson(), projects, lines.length > 0 ? lines.join('\n') : 'No projects yet.');
      }),
    );

  addSnapshotFilters(program.command('snapshot').description("freeze a selection of a project's settled annotations").requiredOption('--project <id or name>', 'the project')).action(
    (options: SnapshotOptions & { project: string }) =>
      withBackend(async (backend) => {
        const project = await resolveProject(backend, options.project);
        const snapshot = await backend.createSnapshot({ projectId: project.id, name: options.name ?? null, filters: filtersOf(options) });
        print(isJson(), snapshot, `Snapshot ${snapshot.id} of "${project.name}": ${snapshot.counts.annotations ?? 0} annotations, hash ${snapshot.contentHash.slice(0, 12)}`);
      }),
  );

  addSnapshotFilters(
    program
      .command('export')
      .description('write a snapshot as a dataset folder: data/train.<ext>, data/test.<ext> and README.md (a Hugging Face dataset card)')
      .requiredOption('--project <id or name>', 'the project')
      .option('--snapshot <id>', 'the snapshot to export (default: take a new one with the filters below)', parseId)
      .addOption(new Option('--format <format>', 'the training format').choices(EXPORT_FORMATS).makeOptionMandatory())
      .addOption(new Option('--encoding <encoding>', 'the file encoding').choices(EXPORT_ENCODINGS).default('jsonl'))
      .requiredOption('--out <dir>', 'the folder to write')
      .option('--include-ties', 'keep ties as pairs')
      .option('--include-both-bad', 'keep "both bad" answers as pairs')
      .option('--margin', 'write a margin on preference rows')
      .addOption(new Option('--ranking-pairs <which>', 'pairs from rankings').choices(['all', 'adjacent']))
      .option('--kto-threshold <score>', 'KTO: scores above are desirable', parseNumber(-100, 100)),
  ).action(
    (
      options: SnapshotOptions & {
        project: string;
        snapshot?: number;
        format: string;
        encoding: string;
        out: string;
        includeTies?: boolean;
        includeBothBad?: boolean;
        margin?: boolean;
        rankingPairs?: string;
        ktoThreshold?: number;
      },
    ) =>
      withBackend(async (backend) => {
        const project = await resolveProject(backend, options.project);
        let snapshotId = options.snapshot;
        if (snapshotId === undefined) {
          const snapshot = await backend.createSnapshot({ projectId: project.id, name: options.name ?? null, filters: filtersOf(options) });
          snapshotId = snapshot.id;
          process.stderr.write(`Took snapshot ${snapshot.id} (${snapshot.counts.annotations ?? 0} annotations)\n`);
        } else {
          const snapshot = await backend.getSnapshot(snapshotId);
          if (snapshot.projectId !== project.id) throw new CliError(`Snapshot ${snapshotId} belongs to project ${snapshot.projectId}, not "${project.name}"`);
        }
        const exportOptions = {
          ...(options.includeTies ? { includeTies: true } : {}),
          ...(options.includeBothBad ? { includeBothBad: true } : {}),
          ...(options.margin ? { margin: true } : {}),
          ...(options.rankingPairs ? { rankingPairs: options.rankingPairs } : {}),
          ...(options.ktoThreshold !== undefined ? { ktoThreshold: options.ktoThreshold } : {}),
        };
        const progress = createProgress('export');
        const dir = path.resolve(options.out);
        try {
          const files = await backend.exportFolder({
            snapshotId,
            format: options.format,
            encoding: options.encoding,
            options: exportOptions,
            dir,
            onFile: (file, index, total) => progress.update(index, total, file),
          });
          progress.stop();
          print(isJson(), { snapshotId, dir, files }, `Snapshot ${snapshotId} → ${dir}\n${files.map((f) => `  ${f}`).join('\n')}`);
        } finally {
          progress.stop();
        }
      }),
  );

  program
    .command('import')
    .description('import a file of prompts and completions (JSONL, JSON or CSV, gzipped or not) into a project, all or nothing')
    .requiredOption('--project <id or name>', 'the project')
    .argument('<file>', 'the file to import')
    .option('--format <format>', 'the file format (default: detected)')
    .option('--no-judgements', 'import prompts and completions only, not the judgements the file carries')
    .action((file: string, options: { project: string; format?: string; judgements: boolean }) =>
      withBackend(async (backend) => {
        const project = await resolveProject(backend, options.project);
        let content: Buffer;
        try {
          content = await readFile(file);
        } catch (error) {
          throw new CliError(`Cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
        }
        const progress = createProgress('import');
        progress.update(0, 1, `${path.basename(file)} (${content.length} bytes)`);
        try {
          const result = await backend.importFile({ projectId: project.id, fileName: path.basename(file), content, format: options.format, importJudgements: options.judgements });
          progress.update(1, 1, 'done');
          progress.stop();
          print(
            isJson(),
            result,
            `Imported ${result.promptCount} prompts, ${result.completionCount} completions, ${result.taskCount} tasks into "${project.name}" (${result.format}, import ${result.importId})`,
          );
        } finally {
          progress.stop();
        }
      }),
    );

  for (const command of program.commands) command.exitOverride().showHelpAfterError('(run with --help for usage)');
  return program;
}

async function main() {
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Asked-for help and version exit with 0 in commander; every other parser error is bad usage,
      // including no command at all (the help shown on stderr, with commander's exit code 1).
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`feedloop: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    if (error instanceof CliError) {
      process.stderr.write(`feedloop: ${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    process.stderr.write(`feedloop: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}

void main();
