/**
 * Gold mixing and the annotation path: `npm run bench:gold`.
 *
 * Starts an embedded PostgreSQL in a temporary directory, applies the migrations, and builds two
 * identical pairwise projects (BENCH_GOLD_TASKS tasks each, overlap 1). In the second, 10% of the
 * tasks are gold tasks and the mix rate is 0.1; the first has none (mixing off). The same number
 * of annotators then work each project in turn, in process (the services the tRPC procedures
 * call: findNextTask, then submitAndFindNext, as the rating page does), and the latency of every
 * call is recorded. Prints median / p95 per call and mode and writes bench/results/gold-queue.json.
 *
 * Knobs (environment): BENCH_GOLD_TASKS (4000), BENCH_GOLD_ANNOTATORS (8), BENCH_GOLD_CALLS (3000 per mode).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { startEmbeddedPostgres } from '../scripts/embedded-postgres';
import { applyMigrations } from '../prisma/migrate';
import { summarize } from './lib/stats';

const TASKS = Number(process.env.BENCH_GOLD_TASKS ?? 4000);
const ANNOTATORS = Number(process.env.BENCH_GOLD_ANNOTATORS ?? 8);
const CALLS = Number(process.env.BENCH_GOLD_CALLS ?? 3000);
const GOLD_SHARE = 0.1;

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'feedloop-bench-gold-'));
  fs.chmodSync(dir, 0o777);
  const database = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), database: 'bench' });
  try {
    await applyMigrations(database.url);
    process.env.DATABASE_URL = database.url;
    process.env.BETTER_AUTH_SECRET ??= 'bench-secret-bench-secret-bench-secret-0123';
    const { db } = await import('../server/db');
    const { findNextTask } = await import('../server/services/find-next-task');
    const { submitAndFindNext } = await import('../server/services/submit-annotation');
    const { FORM_PRESETS, ZRatingForm } = await import('../lib/forms/schema');

    const form = ZRatingForm.parse(FORM_PRESETS.pairwise);
    async function buildProject(name: string): Promise<{ id: number; taskIds: number[] }> {
      const project = await db.project.create({ data: { name, form, overlap: 1, completionsPerTask: 2, undoSeconds: 0 }, select: { id: true } });
      await db.$executeRaw`
        WITH p AS (
          INSERT INTO "Prompt" ("projectId", text, source) SELECT ${project.id}::int, 'Prompt ' || g, 'bench' FROM generate_series(1, ${TASKS}::int) g RETURNING id
        ), c AS (
          INSERT INTO "Completion" ("promptId", text) SELECT p.id, 'Answer ' || k FROM p, generate_series(1, 2) k RETURNING id, "promptId"
        )
        INSERT INTO "Task" ("projectId", "promptId", "completionIds")
        SELECT ${project.id}::int, c."promptId", array_agg(c.id ORDER BY c.id) FROM c GROUP BY c."promptId"`;
      const tasks = await db.task.findMany({ where: { projectId: project.id }, select: { id: true }, orderBy: { id: 'asc' } });
      return { id: project.id, taskIds: tasks.map((t) => t.id) };
    }
    const off = await buildProject('gold off');
    const on = await buildProject('gold on');
    // Every tenth task of the second project is gold (expected: A), mixed in at 10%.
    const goldIds = on.taskIds.filter((_, i) => i % Math.round(1 / GOLD_SHARE) === 0);
    await db.goldTask.createMany({ data: goldIds.map((taskId) => ({ taskId, projectId: on.id, expected: { preference: { type: 'pairwise', choice: 'A' } }, tolerance: { score: 0, ranking: 0 } })) });
    await db.task.updateMany({ where: { id: { in: goldIds } }, data: { isGold: true } });
    await db.goldSettings.create({ data: { projectId: on.id, mixRate: 0.1, accuracyThreshold: 0, minGoldAnswers: 1_000_000 } });

    const users: string[] = [];
    for (let i = 0; i < ANNOTATORS * 2; i++) {
      const user = await db.user.create({ data: { id: `bench-gold-${i}`, name: `Bench ${i}`, email: `bench-gold-${i}@example.test`, role: 'annotator' }, select: { id: true } });
      users.push(user.id);
    }
    await db.$executeRawUnsafe('VACUUM ANALYZE');

    async function measure(projectId: number, annotators: string[], goldSet: Set<number>) {
      const next: number[] = [];
      const submit: number[] = [];
      let goldServed = 0;
      // Annotators take turns, one call at a time: latency, not throughput.
      const current = new Map<string, number | null>();
      for (const userId of annotators) {
        const t0 = performance.now();
        const task = await findNextTask({ userId, projectId });
        next.push(performance.now() - t0);
        current.set(userId, task?.taskId ?? null);
      }
      let calls = 0;
      while (calls < CALLS) {
        for (const userId of annotators) {
          const taskId = current.get(userId);
          if (!taskId) continue;
          if (goldSet.has(taskId)) goldServed++;
          const t0 = performance.now();
          const result = await submitAndFindNext({ userId, clientId: randomUUID(), taskId, answer: { preference: { type: 'pairwise', choice: Math.random() < 0.5 ? 'A' : 'B' } }, timeSpentMs: 3000 });
          submit.push(performance.now() - t0);
          current.set(userId, result.next?.taskId ?? null);
          calls++;
        }
        if ([...current.values()].every((v) => v === null)) break;
      }
      // queue.next alone, on the state the loop left: each annotator asks once more per round.
      for (let round = 0; round < Math.ceil(CALLS / annotators.length / 4); round++) {
        for (const userId of annotators) {
          const t0 = performance.now();
          await findNextTask({ userId, projectId, excludeTaskIds: [] });
          next.push(performance.now() - t0);
        }
      }
      return { next: summarize(next), submitAndNext: summarize(submit), goldShare: goldServed / Math.max(1, submit.length) };
    }

    // Warm-up on the gold-off project's last annotators is not needed: both modes run once in turn, off first.
    const resultOff = await measure(off.id, users.slice(0, ANNOTATORS), new Set());
    const resultOn = await measure(on.id, users.slice(ANNOTATORS), new Set(goldIds));
    const round = (x: number) => Math.round(x * 100) / 100;
    const row = (name: string, r: typeof resultOff) => ({
      mode: name,
      next_p50_ms: round(r.next.p50),
      next_p95_ms: round(r.next.p95),
      submitAndNext_p50_ms: round(r.submitAndNext.p50),
      submitAndNext_p95_ms: round(r.submitAndNext.p95),
      calls: r.submitAndNext.count + r.next.count,
      gold_share_served: round(r.goldShare),
    });
    const results = { tasks: TASKS, annotators: ANNOTATORS, calls_per_mode: CALLS, gold_off: row('off', resultOff), gold_on: row('on (rate 0.1)', resultOn), measured_at: new Date().toISOString() };
    console.table([results.gold_off, results.gold_on]);
    fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
    fs.writeFileSync(path.join(__dirname, 'results', 'gold-queue.json'), `${JSON.stringify(results, null, 2)}\n`);
    console.log('wrote bench/results/gold-queue.json');
    await db.$disconnect();
  } finally {
    await database.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
