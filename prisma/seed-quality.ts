/**
 * The quality demo: a pairwise project whose tasks five simulated raters have already answered
 * (three a task), so the Quality tab has agreement, a kappa heatmap, position bias and consensus
 * to show on a fresh `npm start`.
 *
 * The prompts are sums with one right and one wrong answer. The raters' accuracies are known
 * (0.95, 0.9, 0.8, 0.7 and 0.6): "Demo rater Eve" also picks the response shown first 60% of the
 * time whatever it says (position bias), and "Demo rater Dan" answers in one to three seconds,
 * faster than the texts can be read. Answers are drawn from a seeded generator: every fresh
 * start shows the same numbers. Raters are accounts without a password (they cannot sign in).
 */
import type { Db } from '../server/db';
import { FORM_PRESETS, ZRatingForm } from '../lib/forms/schema';
import { seededRandom } from '../lib/stats/random';
import { commitImport } from '../server/services/import/commit-import';
import { createProject } from '../server/services/projects';

export const DEMO_QUALITY_PROJECT_NAME = 'Demo: agreement between raters (answers seeded)';
export const DEMO_QUALITY_TASKS = 90;
export const DEMO_RATERS = [
  { id: 'demo-rater-ada', name: 'Demo rater Ada', accuracy: 0.95, firstBias: 0, fast: false },
  { id: 'demo-rater-ben', name: 'Demo rater Ben', accuracy: 0.9, firstBias: 0, fast: false },
  { id: 'demo-rater-cat', name: 'Demo rater Cat', accuracy: 0.8, firstBias: 0, fast: false },
  { id: 'demo-rater-dan', name: 'Demo rater Dan', accuracy: 0.7, firstBias: 0, fast: true },
  { id: 'demo-rater-eve', name: 'Demo rater Eve', accuracy: 0.6, firstBias: 0.6, fast: false },
];
const RATERS_PER_TASK = 3;

const GUIDELINES = `# Which sum is right?

Pick the response with the correct result. These answers were seeded by simulated raters of known
accuracy, to show the **Quality** tab: agreement, the kappa heatmap, position bias and consensus.
`;

function buildPrompts(): { prompt: string; right: string; wrong: string }[] {
  const random = seededRandom(7);
  return Array.from({ length: DEMO_QUALITY_TASKS }, (_, i) => {
    const a = 10 + Math.floor(random() * 90);
    const b = 10 + Math.floor(random() * 90);
    const off = 1 + Math.floor(random() * 9);
    return { prompt: `What is ${a} + ${b}? (question ${i + 1})`, right: `${a} + ${b} = ${a + b}.`, wrong: `${a} + ${b} = ${a + b + (random() < 0.5 ? off : -off)}.` };
  });
}

export async function seedQualityDemo(database: Db): Promise<void> {
  if (await database.project.findFirst({ where: { name: DEMO_QUALITY_PROJECT_NAME }, select: { id: true } })) return;
  const project = await createProject({
    name: DEMO_QUALITY_PROJECT_NAME,
    guidelines: GUIDELINES,
    form: ZRatingForm.parse(FORM_PRESETS.pairwise),
    overlap: RATERS_PER_TASK,
    completionsPerTask: 2,
    createdById: null,
  });
  const prompts = buildPrompts();
  await commitImport({
    projectId: project.id,
    fileName: 'quality-demo.jsonl',
    content: prompts.map((p, i) => JSON.stringify({ id: `quality-demo-${i + 1}`, prompt: p.prompt, completions: [p.right, p.wrong] })).join('\n'),
    userId: null,
  });
  for (const rater of DEMO_RATERS) {
    await database.user.upsert({ where: { id: rater.id }, update: {}, create: { id: rater.id, name: rater.name, email: `${rater.id}@feedloop.local`, role: 'annotator' } });
  }
  const rightText = new Set(prompts.map((p) => p.right));
  const tasks = await database.task.findMany({ where: { projectId: project.id }, select: { id: true, completionIds: true }, orderBy: { id: 'asc' } });
  const completions = await database.completion.findMany({ where: { prompt: { projectId: project.id } }, select: { id: true, text: true } });
  const isRight = new Map(completions.map((c) => [c.id, rightText.has(c.text)]));
  const random = seededRandom(2026);
  const answers = tasks.flatMap((task, i) => {
    const rightChoice = isRight.get(task.completionIds[0]) ? 'A' : 'B';
    return Array.from({ length: RATERS_PER_TASK }, (_, slot) => {
      const rater = DEMO_RATERS[(i + slot) % DEMO_RATERS.length];
      let choice: 'A' | 'B' | 'tie';
      if (random() < rater.firstBias) choice = 'A';
      else if (random() < rater.accuracy) choice = rightChoice;
      else choice = random() < 0.85 ? (rightChoice === 'A' ? 'B' : 'A') : 'tie';
      const timeSpentMs = rater.fast ? 1000 + Math.floor(random() * 2000) : 8000 + Math.floor(random() * 25_000);
      return {
        clientId: `demo-quality-${task.id}-${rater.id}`,
        taskId: task.id,
        projectId: project.id,
        userId: rater.id,
        status: 'SUBMITTED' as const,
        answer: { preference: { type: 'pairwise', choice } },
        timeSpentMs,
        createdAt: new Date(Date.now() - (tasks.length - i) * 60_000 - 86_400_000),
      };
    });
  });
  await database.$transaction([
    database.annotation.createMany({ data: answers }),
    database.task.updateMany({ where: { projectId: project.id }, data: { submittedCount: RATERS_PER_TASK, status: 'DONE' } }),
  ]);
}
