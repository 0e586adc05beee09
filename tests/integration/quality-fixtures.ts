/**
 * Fixtures for the quality tests: annotators and submitted answers written straight to the
 * database (the rating path is tested elsewhere), so each test states exactly who answered what.
 */
import { randomUUID } from 'node:crypto';
import { db } from '@/server/db';
import type { Answer } from '@/lib/forms/schema';

export async function createAnnotators(names: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const name of names) {
    const id = `q-${randomUUID()}`;
    await db.user.create({ data: { id, name, email: `${id}@example.test`, role: 'annotator' } });
    ids.push(id);
  }
  return ids;
}

export type FixtureAnswer = { taskId: number; userId: string; answer: Answer; timeSpentMs?: number };

export async function insertAnswers(projectId: number, answers: FixtureAnswer[]): Promise<void> {
  for (let i = 0; i < answers.length; i += 5000) {
    await db.annotation.createMany({
      data: answers.slice(i, i + 5000).map((a) => ({
        clientId: randomUUID(),
        taskId: a.taskId,
        projectId,
        userId: a.userId,
        status: 'SUBMITTED' as const,
        answer: a.answer,
        timeSpentMs: a.timeSpentMs ?? 5000,
        createdAt: new Date(Date.now() - 3_600_000),
      })),
    });
  }
}
