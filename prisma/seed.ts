/**
 * The demo: an admin, two annotators, and a pairwise project whose prompts each have one clearly
 * better answer. `npm start` runs it on every start; it does nothing once an admin exists.
 *
 * Idempotent by order: annotators and the project are created first (each skipped when it already
 * exists), the admin last, so a start interrupted halfway completes the demo on the next start.
 *
 * CLI: `npm run db:seed` (needs DATABASE_URL and BETTER_AUTH_SECRET, like the web process).
 */
import { db as defaultDb, type Db } from '../server/db';
import { FORM_PRESETS, ZRatingForm } from '../lib/forms/schema';
import { commitImport } from '../server/services/import/commit-import';
import { createProject } from '../server/services/projects';
import { createUserAccount } from '../server/services/users';
import { DEMO_PAIRS } from './seed-data';
import { seedArenaDemo } from './seed-arena';
import { DEMO_REVIEWER, seedGoldAndReview } from './seed-gold-review';
import { seedQualityDemo } from './seed-quality';
import { generateCorpus } from '../trainer/domain/arithmetic';
import { ZGenerationSettings, ZRoundConfig } from '../server/jobs/contracts';
import { enqueueJob } from '../server/jobs/queue';

export type DemoCredentials = { email: string; password: string };
export type DemoSeed = { admin: DemoCredentials; annotators: DemoCredentials[]; isNewlySeeded: boolean };

/** Demo passwords are public by design: the demo is for trying Feedloop on one's own machine. */
export const DEMO_ADMIN = { email: 'admin@feedloop.local', password: 'feedloop-admin', name: 'Demo Admin' };
export const DEMO_ANNOTATORS = [
  { email: 'ann1@feedloop.local', password: 'feedloop-ann1', name: 'Annotator One' },
  { email: 'ann2@feedloop.local', password: 'feedloop-ann2', name: 'Annotator Two' },
];
export const DEMO_PROJECT_NAME = 'Demo: which answer is better?';
export const DEMO_LOOP_PROJECT_NAME = 'Demo loop: arithmetic answers from the built-in model';

const DEMO_LOOP_GUIDELINES = `# Which worked answer is right?

The built-in model answers arithmetic questions column by column. Pick the answer whose **final
number is correct**; if both are right or both wrong, prefer the one whose steps are right, or choose
**tie**. Your choices train a reward model and then the model itself: start a training round from
the admin's Training tab once a few dozen tasks are rated, promote the new version, and the next tasks
come from it.
`;

const DEMO_GUIDELINES = `# Which answer is better?

Read the prompt, then both answers, and pick the one you would rather receive.

- **Correct** beats wrong, however confident the wrong one sounds.
- **Helpful** beats evasive: an answer should do what was asked.
- **Safe**: never prefer an answer that could hurt someone.
- Choose **tie** when both are equally good, **both bad** when neither is acceptable.

Keys: \`A\` / \`B\` choose, \`T\` tie, \`N\` both bad, \`Enter\` submit, \`S\` skip, \`F\` flag, \`U\` undo, \`?\` help.
`;

export function buildDemoImportFile(): string {
  return DEMO_PAIRS.map((pair, index) => JSON.stringify({ id: `demo-${index + 1}`, prompt: pair.prompt, completions: [pair.better, pair.worse] })).join('\n');
}

async function ensureUser(database: Db, user: { email: string; password: string; name: string }, role: 'admin' | 'annotator') {
  const existing = await database.user.findUnique({ where: { email: user.email }, select: { id: true } });
  if (existing) return existing.id;
  return (await createUserAccount({ ...user, role })).id;
}

/**
 * The `database` handle is used for the checks; writes go through the services, which use the
 * process's client (the same one `npm start` passes in).
 */
export async function seedDemo(database: Db = defaultDb): Promise<DemoSeed> {
  const credentials = {
    admin: { email: DEMO_ADMIN.email, password: DEMO_ADMIN.password },
    annotators: DEMO_ANNOTATORS.map(({ email, password }) => ({ email, password })),
  };
  if ((await database.user.count({ where: { role: 'admin' } })) > 0) return { ...credentials, isNewlySeeded: false };

  for (const annotator of DEMO_ANNOTATORS) await ensureUser(database, annotator, 'annotator');

  let project = await database.project.findFirst({ where: { name: DEMO_PROJECT_NAME }, select: { id: true } });
  if (!project) {
    project = await createProject({
      name: DEMO_PROJECT_NAME,
      guidelines: DEMO_GUIDELINES,
      form: ZRatingForm.parse(FORM_PRESETS.pairwise),
      overlap: 2,
      completionsPerTask: 2,
      createdById: null,
    });
  }
  if ((await database.task.count({ where: { projectId: project.id } })) === 0) {
    await commitImport({ projectId: project.id, fileName: 'demo.jsonl', content: buildDemoImportFile(), userId: null });
  }

  await seedLoopProject(database);
  await seedArenaDemo(database);
  await seedGoldAndReview(database, { projectId: project.id, annotatorEmails: DEMO_ANNOTATORS.map((a) => a.email) });
  await seedQualityDemo(database);

  const adminId = await ensureUser(database, DEMO_ADMIN, 'admin');
  await database.project.updateMany({ where: { id: project.id, createdById: null }, data: { createdById: adminId } });
  return { ...credentials, isNewlySeeded: true };
}

/**
 * The training-loop demo: arithmetic prompts (train and held out) without completions, and a generate
 * job, so the worker's built-in model writes the first tasks right after npm start.
 */
async function seedLoopProject(database: Db): Promise<void> {
  if (await database.project.findFirst({ where: { name: DEMO_LOOP_PROJECT_NAME }, select: { id: true } })) return;
  const project = await createProject({
    name: DEMO_LOOP_PROJECT_NAME,
    guidelines: DEMO_LOOP_GUIDELINES,
    form: ZRatingForm.parse(FORM_PRESETS.pairwise),
    overlap: 1,
    completionsPerTask: 2,
    undoSeconds: 60,
    createdById: null,
  });
  const prompts = [
    ...generateCorpus({ count: 400, seed: 11, split: 'train' }).map((e) => ({ text: e.prompt, split: 'TRAIN' as const })),
    ...generateCorpus({ count: 100, seed: 11, split: 'heldout' }).map((e) => ({ text: e.prompt, split: 'HELDOUT' as const })),
  ];
  await database.prompt.createMany({ data: prompts.map((p) => ({ projectId: project.id, text: p.text, split: p.split, source: 'demo' })) });
  const generation = ZGenerationSettings.parse({ promptsPerJob: 60, sampling: { maxNewTokens: 96 } });
  await database.project.update({
    where: { id: project.id },
    data: { generation, autoContinue: true, roundConfig: ZRoundConfig.parse({ minPairs: 24, evalPrompts: 100 }) },
  });
  await enqueueJob(database, { kind: 'generate', payload: { projectId: project.id, settings: generation, modelVersionId: null }, projectId: project.id });
}

async function main() {
  const seed = await seedDemo(defaultDb);
  console.log(seed.isNewlySeeded ? '[seed] demo created' : '[seed] an admin already exists: nothing to do');
  console.log(`[seed] admin:     ${seed.admin.email} / ${seed.admin.password}`);
  for (const annotator of seed.annotators) console.log(`[seed] annotator: ${annotator.email} / ${annotator.password}`);
  console.log(`[seed] reviewer:  ${DEMO_REVIEWER.email} / ${DEMO_REVIEWER.password}`);
  await defaultDb.$disconnect();
}

// Run as a script (`tsx prisma/seed.ts`), not when imported by the start script or tests.
if (process.argv[1] && /prisma[\\/]seed\.ts$/.test(process.argv[1])) {
  main().catch((error: unknown) => {
    console.error('[seed] failed:', error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
