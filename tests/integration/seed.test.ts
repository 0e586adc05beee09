import { describe, expect, it } from 'vitest';
import { db } from '@/server/db';
import { DEMO_PAIRS } from '@/prisma/seed-data';
import { DEMO_LOOP_PROJECT_NAME, DEMO_PROJECT_NAME, seedDemo } from '@/prisma/seed';
import { DEMO_QUALITY_PROJECT_NAME, DEMO_QUALITY_TASKS, DEMO_RATERS } from '@/prisma/seed-quality';
import { projectAgreement } from '@/server/quality/agreement';
import { positionBias } from '@/server/quality/position-bias';
import { DEMO_ARENA_PROJECT_NAME } from '@/prisma/seed-arena';
import { parseProblem } from '@/trainer/domain/arithmetic';
import { arenaLeaderboard } from '@/server/quality/arena-leaderboard';
import { callerFor, signIn } from '../helpers/api';

async function countRows() {
  const [users, projects, prompts, completions, tasks] = await Promise.all([db.user.count(), db.project.count(), db.prompt.count(), db.completion.count(), db.task.count()]);
  return { users, projects, prompts, completions, tasks };
}

describe('demo seed', () => {
  it('creates an admin, two annotators, a pairwise demo project and the loop demo, once', async () => {
    const first = await seedDemo(db);
    expect(first.isNewlySeeded).toBe(true);
    expect(first.admin.email).toBe('admin@feedloop.local');
    expect(first.annotators.map((a) => a.email)).toEqual(['ann1@feedloop.local', 'ann2@feedloop.local']);
    const afterFirst = await countRows();
    // The loop demo: 400 train + 100 held-out prompts with no completions yet (its generate job writes them).
    // The arena demo: 24 prompts, 3 versions' answers to each, a task per pair of versions per prompt.
    // users: the admin, two annotators and the reviewer (prisma/seed-gold-review.ts).
    // The quality demo (prisma/seed-quality.ts): 90 answered pairwise tasks and five raters.
    expect(afterFirst).toEqual({
      users: 4 + DEMO_RATERS.length,
      projects: 4,
      prompts: DEMO_PAIRS.length + 500 + 24 + DEMO_QUALITY_TASKS,
      completions: DEMO_PAIRS.length * 2 + 72 + DEMO_QUALITY_TASKS * 2,
      tasks: DEMO_PAIRS.length + 72 + DEMO_QUALITY_TASKS,
    });
    const loop = await db.project.findFirstOrThrow({ where: { name: DEMO_LOOP_PROJECT_NAME }, select: { id: true, autoContinue: true } });
    expect(loop.autoContinue).toBe(true);
    expect(await db.prompt.count({ where: { projectId: loop.id, split: 'HELDOUT' } })).toBe(100);
    expect(await db.job.findMany({ select: { kind: true, status: true, projectId: true } })).toEqual([{ kind: 'generate', status: 'QUEUED', projectId: loop.id }]);
    expect(DEMO_PAIRS.length).toBeGreaterThanOrEqual(20);

    const second = await seedDemo(db);
    expect(second).toEqual({ ...first, isNewlySeeded: false });
    expect(await countRows()).toEqual(afterFirst);
  });

  it('the quality demo has agreement and position bias to show, the biased rater flagged', async () => {
    await seedDemo(db);
    const project = await db.project.findFirstOrThrow({ where: { name: DEMO_QUALITY_PROJECT_NAME }, select: { id: true } });
    const agreement = await projectAgreement({ db, projectId: project.id, bootstrap: { replicates: 200 } });
    expect(agreement.measures[0].units).toBe(DEMO_QUALITY_TASKS);
    expect(agreement.measures[0].alpha?.value).toBeGreaterThan(0.2);
    const bias = await positionBias({ db, projectId: project.id });
    const flagged = bias?.annotators.filter((a) => a.isFlagged).map((a) => a.userId);
    expect(flagged).toEqual(['demo-rater-eve']);
  });

  it('the demo accounts sign in with the printed passwords and have their roles', async () => {
    const seed = await seedDemo(db);
    const adminHeaders = await signIn(seed.admin.email, seed.admin.password);
    const admin = await (await callerFor({ id: '', email: seed.admin.email, password: seed.admin.password, role: 'admin', headers: adminHeaders })).session.me();
    expect(admin?.role).toBe('admin');
    for (const annotator of seed.annotators) {
      const headers = await signIn(annotator.email, annotator.password);
      const caller = await callerFor({ id: '', email: annotator.email, password: annotator.password, role: 'annotator', headers });
      expect((await caller.session.me())?.role).toBe('annotator');
      const projects = await caller.projects.list();
      expect(projects).toEqual(
        expect.arrayContaining([
          // Each demo annotator answered 3 gold and 3 regular tasks (prisma/seed-gold-review.ts).
          expect.objectContaining({ name: DEMO_PROJECT_NAME, completionsPerTask: 2, tasksLeft: DEMO_PAIRS.length - 6 }),
          expect.objectContaining({ name: DEMO_LOOP_PROJECT_NAME, completionsPerTask: 2, tasksLeft: 0 }),
          expect.objectContaining({ name: DEMO_ARENA_PROJECT_NAME, completionsPerTask: 2, tasksLeft: 0 }),
        ]),
      );
    }
  });

  it("the demo project is pairwise with overlap 2; each task shows its prompt's two completions", async () => {
    const project = await db.project.findFirstOrThrow({
      where: { name: DEMO_PROJECT_NAME },
      select: { overlap: true, completionsPerTask: true, form: true, createdBy: { select: { email: true } } },
    });
    expect(project).toMatchObject({ overlap: 2, completionsPerTask: 2, form: { questions: [{ type: 'pairwise' }] }, createdBy: { email: 'admin@feedloop.local' } });
    const tasks = await db.task.findMany({
      where: { project: { name: DEMO_PROJECT_NAME } },
      select: { completionIds: true, prompt: { select: { text: true, completions: { select: { id: true, text: true } } } } },
    });
    for (const task of tasks) {
      const pair = DEMO_PAIRS.find((p) => p.prompt === task.prompt.text);
      expect(pair).toBeDefined();
      expect(task.prompt.completions.map((c) => c.text).sort()).toEqual([pair?.better, pair?.worse].sort());
      expect([...task.completionIds].sort()).toEqual(task.prompt.completions.map((c) => c.id).sort());
    }
  });

  it('the arena demo has a leaderboard: three versions, every pair voted on, ranked as their correct answers say', async () => {
    await seedDemo(db);
    const project = await db.project.findFirstOrThrow({ where: { name: DEMO_ARENA_PROJECT_NAME }, select: { id: true } });
    const versions = await db.modelVersion.findMany({
      where: { projectId: project.id },
      select: { id: true, name: true, metrics: true, completions: { select: { text: true, prompt: { select: { text: true } } } } },
    });
    // Each version's share of correct answers, judged here from the prompt's arithmetic.
    const correctShare = new Map(
      versions.map((v) => {
        const correct = v.completions.filter((c) => {
          const problem = parseProblem(c.prompt.text);
          const expected = problem ? (problem.op === '+' ? problem.a + problem.b : problem.op === '-' ? problem.a - problem.b : problem.a * problem.b) : null;
          return c.text.endsWith(`Answer: ${expected}`);
        }).length;
        return [v.name, correct / v.completions.length];
      }),
    );
    for (const v of versions) expect((v.metrics as { judgedQuality: number }).judgedQuality).toBeCloseTo(correctShare.get(v.name) as number, 9);
    const board = await arenaLeaderboard(project.id);
    // 24 prompts × 2 opponents × 2 annotators = 96 games per version.
    expect(board.versions.map((v) => [v.name, v.games])).toEqual([...correctShare.entries()].sort((a, b) => b[1] - a[1]).map(([name]) => [name, 96]));
    expect(board.votes).toBe(144);
  });
});
