/**
 * The demo's quality control: a reviewer account, three gold tasks in the pairwise demo project
 * (expected answer: the clearly better response), some answers by the demo annotators (Annotator
 * Two misses a gold task), and a few reviews (accept, correct, reject), so a fresh `npm start`
 * shows gold accuracy on the project's Gold tab and a review queue with work in it.
 * Skipped when the reviewer already exists.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../server/db';
import { createUserAccount } from '../server/services/users';
import { submitAnnotation } from '../server/services/submit-annotation';
import { findNextTask } from '../server/services/find-next-task';
import { reviewAnnotation } from '../server/services/review/reviews';
import { forgetGoldInfo } from '../server/services/gold/pick-gold-task';
import { DEMO_PAIRS } from './seed-data';

/** Demo passwords are public by design, like the others. */
export const DEMO_REVIEWER = { email: 'reviewer@feedloop.local', password: 'feedloop-reviewer', name: 'Demo Reviewer' };

const GOLD_TASKS = 3;

/** The display position ('A' first) of the better response of a demo task. */
async function betterChoice(database: Db, completionIds: number[]): Promise<'A' | 'B'> {
  const completions = await database.completion.findMany({ where: { id: { in: completionIds } }, select: { id: true, text: true } });
  const better = new Set(DEMO_PAIRS.map((p) => p.better));
  const index = completionIds.findIndex((id) => better.has(completions.find((c) => c.id === id)?.text ?? ''));
  return index === 1 ? 'B' : 'A';
}

async function answer(database: Db, userId: string, taskId: number, choice: 'A' | 'B' | 'tie') {
  const project = await database.task.findUniqueOrThrow({ where: { id: taskId }, select: { projectId: true } });
  await database.assignment.upsert({
    where: { taskId_userId: { taskId, userId } },
    create: { taskId, userId, projectId: project.projectId, expiresAt: new Date(Date.now() + 600_000) },
    update: { expiresAt: new Date(Date.now() + 600_000) },
  });
  return submitAnnotation({ userId, clientId: randomUUID(), taskId, answer: { preference: { type: 'pairwise', choice } }, timeSpentMs: 4000 + Math.round(Math.random() * 8000) });
}

export async function seedGoldAndReview(database: Db, options: { projectId: number; annotatorEmails: string[] }): Promise<void> {
  if (await database.user.findUnique({ where: { email: DEMO_REVIEWER.email }, select: { id: true } })) return;
  const { projectId } = options;
  const annotators = await database.user.findMany({ where: { email: { in: options.annotatorEmails } }, select: { id: true, email: true }, orderBy: { email: 'asc' } });

  // Gold tasks: the last few tasks of the demo, expected = the better response.
  const tasks = await database.task.findMany({ where: { projectId, isGold: false, submittedCount: 0 }, select: { id: true, completionIds: true }, orderBy: { id: 'desc' }, take: GOLD_TASKS });
  const gold: { taskId: number; choice: 'A' | 'B' }[] = [];
  for (const task of tasks) {
    const choice = await betterChoice(database, task.completionIds);
    await database.goldTask.create({ data: { taskId: task.id, projectId, expected: { preference: { type: 'pairwise', choice } }, tolerance: { score: 0, ranking: 0 } } });
    await database.task.update({ where: { id: task.id }, data: { isGold: true, status: 'OPEN', submittedCount: 0 } });
    gold.push({ taskId: task.id, choice });
  }
  await database.goldSettings.upsert({ where: { projectId }, create: { projectId, mixRate: 0.1, accuracyThreshold: 0.6, minGoldAnswers: 5 }, update: {} });
  forgetGoldInfo(projectId);

  // Answers: each annotator answers the gold tasks (the second misses one) and a few regular tasks.
  const regularAnswers: number[] = [];
  for (const [index, annotator] of annotators.entries()) {
    for (const [g, item] of gold.entries()) {
      const isMiss = index === 1 && g === 0;
      await answer(database, annotator.id, item.taskId, isMiss ? (item.choice === 'A' ? 'B' : 'A') : item.choice);
    }
    for (let i = 0; i < 3; i++) {
      const task = await findNextTask({ userId: annotator.id, projectId, excludeTaskIds: gold.map((x) => x.taskId) });
      if (!task) break;
      const choice = await betterChoice(
        database,
        task.completions.map((c) => c.id),
      );
      const result = await answer(database, annotator.id, task.taskId, i === 2 && index === 1 ? (choice === 'A' ? 'B' : 'A') : choice);
      regularAnswers.push(result.annotationId);
    }
  }
  // Leases the demo took for itself go back, so the annotators start with a clean queue.
  await database.assignment.deleteMany({ where: { projectId } });

  const reviewer = await createUserAccount({ ...DEMO_REVIEWER, role: 'reviewer' });
  const [first, second, third] = regularAnswers;
  if (first) await reviewAnnotation({ annotationId: first, reviewerId: reviewer.id, decision: 'ACCEPT' });
  if (second)
    await reviewAnnotation({
      annotationId: second,
      reviewerId: reviewer.id,
      decision: 'CORRECT',
      correctedAnswer: { preference: { type: 'pairwise', choice: 'tie' } },
      reason: 'Both answers are fine here',
    });
  const wrong = regularAnswers.at(-1);
  if (wrong && wrong !== first && wrong !== second && third) await reviewAnnotation({ annotationId: wrong, reviewerId: reviewer.id, decision: 'REJECT', reason: 'Picked the worse answer' });
}
