/**
 * The demo after a fresh start: gold accuracy to look at (Annotator One right on every gold task,
 * Annotator Two on 2 of 3), reviews already made, and a reviewer who has answers to review.
 */
import { describe, expect, it } from 'vitest';
import { db } from '@/server/db';
import { DEMO_ANNOTATORS, DEMO_PROJECT_NAME, seedDemo } from '@/prisma/seed';
import { DEMO_REVIEWER } from '@/prisma/seed-gold-review';
import { goldAccuracyByAnnotator } from '@/server/quality/gold-accuracy';
import { callerFor, signIn } from '../helpers/api';

describe('the demo seed: gold tasks and reviews', () => {
  it('shows gold accuracy for the demo annotators and gives the reviewer a queue', async () => {
    const seed = await seedDemo(db);
    expect(seed.isNewlySeeded).toBe(true);
    const project = await db.project.findFirstOrThrow({ where: { name: DEMO_PROJECT_NAME }, select: { id: true } });
    const users = await db.user.findMany({ where: { email: { in: DEMO_ANNOTATORS.map((a) => a.email) } }, select: { id: true, email: true } });
    const idOf = (email: string) => users.find((u) => u.email === email)?.id;
    const accuracy = await goldAccuracyByAnnotator(project.id);
    expect(accuracy.sort((a, b) => a.goldCorrect - b.goldCorrect)).toEqual([
      { userId: idOf(DEMO_ANNOTATORS[1].email), goldAnswered: 3, goldCorrect: 2, accuracy: 2 / 3, paused: false },
      { userId: idOf(DEMO_ANNOTATORS[0].email), goldAnswered: 3, goldCorrect: 3, accuracy: 1, paused: false },
    ]);
    expect(await db.review.count({ where: { projectId: project.id } })).toBe(3);

    const reviewer = await db.user.findUniqueOrThrow({ where: { email: DEMO_REVIEWER.email }, select: { id: true, role: true } });
    const api = await callerFor({
      id: reviewer.id,
      email: DEMO_REVIEWER.email,
      password: DEMO_REVIEWER.password,
      role: 'reviewer',
      headers: await signIn(DEMO_REVIEWER.email, DEMO_REVIEWER.password),
    });
    const item = await api.review.next({ projectId: project.id });
    expect(item?.projectId).toBe(project.id);
    // Seeding twice changes nothing.
    expect((await seedDemo(db)).isNewlySeeded).toBe(false);
  });
});
