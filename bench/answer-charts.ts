/**
 * How long the overview's answer charts take on a big project: `npx tsx bench/answer-charts.ts`
 * with DATABASE_URL naming a migrated scratch database (it adds one project and its rows) and
 * BETTER_AUTH_SECRET set (any 32 characters: the server's env wants one).
 *
 * Seeds BENCH_ANNOTATIONS (1,000,000) pairwise answers over as many tasks, spread over 30 days,
 * plus a small project beside it (the index must keep the small one fast), then times
 * oversee.answerCharts' service for both, three runs each, and prints the plans (EXPLAIN ANALYZE).
 */
import pg from 'pg';
import { getAnswerCharts } from '../server/services/answer-charts';
import { db } from '../server/db';

const COUNT = Number(process.env.BENCH_ANNOTATIONS ?? 1_000_000);
const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL: a migrated scratch database');

async function seed(client: pg.Client, name: string, count: number): Promise<number> {
  const form = { questions: [{ id: 'preference', type: 'pairwise', label: 'Which?', required: true, allowTie: true, allowBothBad: true, withStrength: false }] };
  const project = await client.query<{ id: number }>(
    `INSERT INTO "Project" (name, form, overlap, "completionsPerTask", "createdAt", "updatedAt") VALUES ($1, $2, 1, 2, now() - interval '40 days', now()) RETURNING id`,
    [name, JSON.stringify(form)],
  );
  const projectId = project.rows[0].id;
  await client.query(
    `INSERT INTO "user" (id, name, email, "emailVerified", role, "createdAt", "updatedAt") VALUES ($1, 'Bench', $1 || '@bench.test', true, 'annotator', now(), now()) ON CONFLICT DO NOTHING`,
    ['bench-charts'],
  );
  const prompt = await client.query<{ id: number }>(`INSERT INTO "Prompt" ("projectId", text) VALUES ($1, 'Bench prompt') RETURNING id`, [projectId]);
  const completions = await client.query<{ id: number }>(`INSERT INTO "Completion" ("promptId", text) VALUES ($1, 'left'), ($1, 'right') RETURNING id`, [prompt.rows[0].id]);
  const ids = completions.rows.map((r) => r.id);
  const started = Date.now();
  await client.query(
    `INSERT INTO "Task" ("projectId", "promptId", "completionIds", status, "submittedCount")
     SELECT $1, $2, $3::int[], 'DONE', 1 FROM generate_series(1, $4)`,
    [projectId, prompt.rows[0].id, ids, count],
  );
  await client.query(
    `INSERT INTO "Annotation" ("clientId", "taskId", "projectId", "userId", status, answer, "timeSpentMs", "createdAt")
     SELECT gen_random_uuid()::text, t.id, $1, 'bench-charts',
       CASE WHEN t.id % 50 = 0 THEN 'SKIPPED'::"AnnotationStatus" ELSE 'SUBMITTED'::"AnnotationStatus" END,
       CASE WHEN t.id % 50 = 0 THEN NULL ELSE jsonb_build_object('preference', jsonb_build_object('type', 'pairwise', 'choice', (ARRAY['A', 'A', 'B', 'tie', 'both_bad'])[1 + t.id % 5])) END,
       1000 + t.id % 5000, (now() AT TIME ZONE 'UTC') - (t.id % 30) * interval '1 day' - (t.id % 24) * interval '1 hour'
     FROM "Task" t WHERE t."projectId" = $1`,
    [projectId],
  );
  await client.query('ANALYZE "Annotation"; ANALYZE "Task"');
  console.log(`[bench:answer-charts] ${name}: ${count.toLocaleString('en-US')} annotations seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return projectId;
}

async function time(projectId: number, label: string) {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    const charts = await getAnswerCharts({ projectId });
    runs.push(performance.now() - started);
    if (i === 0) console.log(`[bench:answer-charts] ${label}: ${charts.submittedCount.toLocaleString('en-US')} submitted, ${charts.timeline.points.length} ${charts.timeline.unit} buckets`);
  }
  console.log(`[bench:answer-charts] ${label}: ${runs.map((ms) => `${ms.toFixed(0)} ms`).join(', ')}`);
}

async function main() {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  // BENCH_PROJECTS="big,small" reuses the projects of an earlier run (seeding a million rows takes minutes).
  const reuse = process.env.BENCH_PROJECTS?.split(',').map(Number);
  const [big, small] = reuse ?? [await seed(client, 'bench charts big', COUNT), await seed(client, 'bench charts small', 1000)];
  await time(big, `big project (${COUNT.toLocaleString('en-US')})`);
  await time(small, 'small project beside it (1,000)');
  for (const sql of [
    `SELECT date_trunc('day', "createdAt"), count(*) FILTER (WHERE status = 'SUBMITTED') FROM "Annotation" WHERE "projectId" = $1 GROUP BY 1 ORDER BY 1`,
    `SELECT q.id, a.answer -> q.id ->> 'choice', count(*) FROM "Annotation" a CROSS JOIN unnest(ARRAY['preference']) AS q(id) WHERE a."projectId" = $1 AND a.status = 'SUBMITTED' GROUP BY 1, 2`,
  ]) {
    for (const projectId of [big, small]) {
      const plan = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, [projectId]);
      console.log(`\n-- project ${projectId}: ${sql.slice(0, 60)}…\n${plan.rows.map((r) => r['QUERY PLAN']).join('\n')}`);
    }
  }
  await client.end();
  await db.$disconnect();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
