/**
 * The arena demo: a pairwise project with three policy versions, an arena among them and votes,
 * so an admin sees a leaderboard on a fresh `npm start` (Training tab of the project).
 *
 * What is real and what is simulated, said on the project's guidelines too: the three versions
 * are stand-ins, copies of the built-in base model registered under demo names (so promoting one,
 * or starting a new arena here, works for real); their answers and the two demo annotators' votes
 * were written by this seed. Each stand-in answers an arithmetic question correctly at a set rate
 * (90%, 70%, 45%), and a vote prefers the correct answer, calls two correct answers a tie and two
 * wrong ones "both bad". The versions' offline metric ("judged quality") is the share of their
 * seeded answers that are correct, so the leaderboard can be checked against it.
 */
import { seededRandom } from '../lib/stats/random';
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { db as defaultDb, type Db } from '../server/db';
import { env } from '../server/env';
import { FORM_PRESETS, ZRatingForm } from '../lib/forms/schema';
import { createProject } from '../server/services/projects';
import { ZArenaSettings } from '../server/jobs/contracts';
import { generateCorpus } from '../trainer/domain/arithmetic';
import { BASE_MODEL_DIR, resolveArtifact } from '../trainer/jobs/artifacts';

export const DEMO_ARENA_PROJECT_NAME = 'Demo arena: three stand-in versions, simulated votes';

const STAND_INS = [
  { name: 'demo-careful', correctRate: 0.9 },
  { name: 'demo-steady', correctRate: 0.7 },
  { name: 'demo-hasty', correctRate: 0.45 },
];
const PROMPTS = 24;

const GUIDELINES = `# Arena demo

Pick the answer whose **final number is correct**; **tie** if both are right, **both bad** if both are wrong.

This project shows the arena: three policy versions answered the same held-out questions and the
tasks paired their answers blind. The versions are stand-ins (copies of the built-in base model under
demo names), and their answers and the votes were **simulated by the demo seed**: each stand-in was
set to answer correctly 90%, 70% or 45% of the time. Start a new arena from the Training tab to have
the worker write real answers.
`;

/** A wrong answer in the same format: the final number off by one. */
function wrongAnswer(correct: string): string {
  return correct.replace(/Answer: (-?\d+)$/, (_, n: string) => `Answer: ${Number(n) + 1}`);
}

/** Copies the base model's checkpoint as a stand-in's artifact; false when the store is not writable here. */
function copyBaseModel(relativePath: string): boolean {
  try {
    const target = resolveArtifact(env.DATA_DIR, relativePath);
    if (!fs.existsSync(target)) fs.cpSync(BASE_MODEL_DIR, target, { recursive: true });
    return true;
  } catch {
    return false;
  }
}

export async function seedArenaDemo(database: Db = defaultDb): Promise<void> {
  if (await database.project.findFirst({ where: { name: DEMO_ARENA_PROJECT_NAME }, select: { id: true } })) return;
  const annotators = await database.user.findMany({ where: { email: { in: ['ann1@feedloop.local', 'ann2@feedloop.local'] } }, select: { id: true }, orderBy: { email: 'asc' } });
  if (annotators.length === 0) return;
  const project = await createProject({
    name: DEMO_ARENA_PROJECT_NAME,
    guidelines: GUIDELINES,
    form: ZRatingForm.parse(FORM_PRESETS.pairwise),
    overlap: annotators.length,
    completionsPerTask: 2,
    leaseSeconds: 900,
    undoSeconds: 60,
    createdById: null,
  });
  const random = seededRandom(2024); // the same demo on every machine
  const corpus = generateCorpus({ count: PROMPTS, seed: 31, split: 'heldout' });
  // Who answers what correctly, decided up front: the offline metric is computed from it.
  const isCorrect = STAND_INS.map((s) => corpus.map(() => random() < s.correctRate));

  await database.$transaction(
    async (tx) => {
      const versions: { id: number; name: string }[] = [];
      for (const [v, standIn] of STAND_INS.entries()) {
        const artifactPath = `models/demo-arena/${standIn.name}`;
        const hasArtifact = copyBaseModel(artifactPath);
        const correct = isCorrect[v].filter(Boolean).length;
        versions.push(
          await tx.modelVersion.create({
            data: {
              projectId: project.id,
              kind: 'POLICY',
              name: standIn.name,
              status: 'CANDIDATE',
              config: { demo: 'a stand-in: a copy of the built-in base model; its arena answers were simulated by the demo seed', simulatedCorrectRate: standIn.correctRate },
              metrics: { judgedQuality: correct / corpus.length },
              artifactPath,
              format: 'full',
              sizeBytes: hasArtifact ? fs.statSync(`${BASE_MODEL_DIR}/model.safetensors`).size : 0,
            },
            select: { id: true, name: true },
          }),
        );
      }
      const arena = await tx.arena.create({
        data: { projectId: project.id, name: 'Demo arena', versionIds: versions.map((v) => v.id), settings: ZArenaSettings.parse({ prompts: PROMPTS }) },
        select: { id: true },
      });
      for (const [p, example] of corpus.entries()) {
        const prompt = await tx.prompt.create({ data: { projectId: project.id, text: example.prompt, split: 'HELDOUT', source: 'demo' }, select: { id: true } });
        const completionIds: number[] = [];
        for (const [v, version] of versions.entries()) {
          const text = isCorrect[v][p] ? example.completion : wrongAnswer(example.completion);
          const row = await tx.completion.create({
            data: { promptId: prompt.id, text, source: 'MODEL', modelVersion: version.name, modelVersionId: version.id, samplingParams: { demo: 'simulated', arenaId: arena.id } },
            select: { id: true },
          });
          completionIds.push(row.id);
        }
        for (let a = 0; a < versions.length; a += 1) {
          for (let b = a + 1; b < versions.length; b += 1) {
            const shown = random() < 0.5 ? [a, b] : [b, a];
            const task = await tx.task.create({
              data: {
                projectId: project.id,
                promptId: prompt.id,
                arenaId: arena.id,
                completionIds: shown.map((v) => completionIds[v]),
                arenaVersionIds: shown.map((v) => versions[v].id),
                status: 'DONE',
                submittedCount: annotators.length,
              },
              select: { id: true },
            });
            const [first, second] = shown.map((v) => isCorrect[v][p]);
            const choice = first && !second ? 'A' : second && !first ? 'B' : first ? 'tie' : 'both_bad';
            await tx.annotation.createMany({
              data: annotators.map((annotator) => ({
                clientId: randomUUID(),
                taskId: task.id,
                projectId: project.id,
                userId: annotator.id,
                status: 'SUBMITTED' as const,
                answer: { preference: { type: 'pairwise', choice } },
                timeSpentMs: 4000 + Math.round(random() * 8000),
              })),
            });
          }
        }
      }
    },
    { timeout: 60_000 },
  );
}
