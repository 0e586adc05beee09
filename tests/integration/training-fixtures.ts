/**
 * A pairwise project on the built-in model's domain (arithmetic), rated through the real API by an
 * annotator who prefers the correct worked answer: the smallest real input a training round needs.
 */
import { randomUUID } from 'node:crypto';
import { generateCorpus, parseProblem } from '@/trainer/domain/arithmetic';
import { FORM_PRESETS, ZRatingForm } from '@/lib/forms/schema';
import { commitImport } from '@/server/services/import/commit-import';
import { createProject } from '@/server/services/projects';
import { callerFor, type TestUser } from '../helpers/api';

/** A wrong answer in the same format: the last column is off by one, and so is the answer. */
export function wrongAnswer(correct: string): string {
  return correct.replace(/Answer: (\d+)$/, (_, n: string) => `Answer: ${Number(n) + 1}`);
}

export async function createArithmeticProject(options: { admin: TestUser; trainPrompts: number; heldoutPrompts: number; seed?: number }) {
  const project = await createProject({
    name: `Arithmetic ${Math.random().toString(36).slice(2, 8)}`,
    guidelines: 'Prefer the correct answer.',
    form: ZRatingForm.parse(FORM_PRESETS.pairwise),
    overlap: 1,
    completionsPerTask: 2,
    leaseSeconds: 900,
    undoSeconds: 0,
    createdById: options.admin.id,
  });
  const seed = options.seed ?? 7;
  const lines = [
    ...generateCorpus({ count: options.trainPrompts, seed, split: 'train' }).map((e) => ({ ...e, split: 'train' })),
    ...generateCorpus({ count: options.heldoutPrompts, seed, split: 'heldout' }).map((e) => ({ ...e, split: 'heldout' })),
  ].map((e) => JSON.stringify({ prompt: e.prompt, completions: [e.completion, wrongAnswer(e.completion)], split: e.split }));
  await commitImport({ projectId: project.id, fileName: 'arithmetic.jsonl', content: lines.join('\n'), userId: options.admin.id });
  return project;
}

/** Rates up to `count` tasks through queue.next / annotations.submit, choosing the correct answer. */
export async function rateCorrectly(options: { annotator: TestUser; projectId: number; count: number }): Promise<number> {
  const caller = await callerFor(options.annotator);
  let rated = 0;
  while (rated < options.count) {
    const task = await caller.queue.next({ projectId: options.projectId });
    if (!task) break;
    const problem = parseProblem(task.prompt.text);
    const expected = problem ? String(problem.op === '+' ? problem.a + problem.b : problem.op === '-' ? problem.a - problem.b : problem.a * problem.b) : '';
    const aIsCorrect = task.completions[0].text.endsWith(`Answer: ${expected}`);
    await caller.annotations.submit({ clientId: randomUUID(), taskId: task.taskId, answer: { preference: { type: 'pairwise', choice: aIsCorrect ? 'A' : 'B' } }, timeSpentMs: 1000 });
    rated += 1;
  }
  return rated;
}
