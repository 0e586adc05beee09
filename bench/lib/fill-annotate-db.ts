/**
 * Fills the benchmark database: annotators, one pairwise project with 200,000 tasks, and
 * annotations generated inside PostgreSQL (INSERT ... SELECT generate_series, in chunks so a
 * progress bar can follow), so a million rows take seconds and nothing crosses the wire.
 *
 * The data is shaped like a project half-way through, as the queue leaves it (tasks are served in
 * id order): overlap 7; the first 100,000 tasks are DONE (7 answers each, 700,000 rows), the other
 * 100,000 are OPEN with 3 answers each (300,000 rows). Answers come from 1,100 annotators: 1,000
 * historic ones and the 100 benchmark accounts, who therefore have history of their own. The first
 * 10,000 annotations (the 10k checkpoint) are a prefix of the same sequence: tasks 1-1,428 done.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type pg from 'pg';
import cliProgress from 'cli-progress';
import { ZRatingForm, FORM_PRESETS } from '../../lib/forms/schema';

export const TASKS = 200_000;
export const OVERLAP = 7;
export const DONE_TASKS = 100_000;
export const OPEN_TASK_ANSWERS = 3;
export const HISTORIC_ANNOTATORS = 1_000;
export const BENCH_ANNOTATORS = 100;
/** Users whose rows the plain-INSERT reference writes (no history, so no unique clashes). */
export const REFERENCE_USERS = 100;
export const BENCH_PASSWORD = 'bench-password-123';
const POOL = HISTORIC_ANNOTATORS + BENCH_ANNOTATORS;
const CHUNK = 50_000;

export const benchEmail = (i: number) => `bench${i}@bench.test`;

function progressBar(label: string) {
  return new cliProgress.SingleBar(
    { format: `  ${label.padEnd(22)} [{bar}] {percentage}% | {value}/{total} | {duration}s`, hideCursor: true, noTTYOutput: true, notTTYSchedule: 2000 },
    cliProgress.Presets.shades_classic,
  );
}

async function chunked(label: string, total: number, run: (from: number, to: number) => Promise<unknown>) {
  const bar = progressBar(label);
  bar.start(total, 0);
  try {
    for (let from = 0; from < total; from += CHUNK) {
      const to = Math.min(total, from + CHUNK);
      await run(from, to);
      bar.update(to);
    }
  } finally {
    bar.stop();
  }
}

/** Users, accounts for the benchmark annotators, the project, prompts, completions, tasks. Returns the project id. */
export async function fillProject(client: pg.Client, options: { passwordHash: string }): Promise<number> {
  await client.query(`
    INSERT INTO "user" (id, name, email, "emailVerified", role, "createdAt", "updatedAt")
    SELECT 'hist-' || i, 'Historic ' || i, 'hist' || i || '@bench.test', true, 'annotator', now(), now() FROM generate_series(0, ${HISTORIC_ANNOTATORS - 1}) i
    UNION ALL
    SELECT 'bench-' || i, 'Bench ' || i, 'bench' || i || '@bench.test', true, 'annotator', now(), now() FROM generate_series(0, ${BENCH_ANNOTATORS - 1}) i
    UNION ALL
    SELECT 'ref-' || i, 'Reference ' || i, 'ref' || i || '@bench.test', true, 'annotator', now(), now() FROM generate_series(0, ${REFERENCE_USERS - 1}) i`);
  await client.query(
    `INSERT INTO account (id, "accountId", "providerId", "userId", password, "createdAt", "updatedAt")
     SELECT 'acc-bench-' || i, 'bench-' || i, 'credential', 'bench-' || i, $1, now(), now() FROM generate_series(0, ${BENCH_ANNOTATORS - 1}) i`,
    [options.passwordHash],
  );
  const form = ZRatingForm.parse(FORM_PRESETS.pairwise);
  const project = await client.query<{ id: number }>(
    `INSERT INTO "Project" (name, guidelines, form, overlap, "completionsPerTask", "leaseSeconds", "undoSeconds", "updatedAt")
     VALUES ('Benchmark: pairwise', 'Pick the better answer.', $1::jsonb, ${OVERLAP}, 2, 900, 300, now()) RETURNING id`,
    [JSON.stringify(form)],
  );
  const projectId = project.rows[0].id;
  const filler = `'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore. '`;
  await chunked('prompts', TASKS, (from, to) =>
    client.query(`INSERT INTO "Prompt" (id, "projectId", text, source) SELECT i, ${projectId}, 'Bench prompt ' || i || '. ' || ${filler}, 'bench' FROM generate_series(${from + 1}, ${to}) i`),
  );
  await chunked('completions', TASKS, (from, to) =>
    client.query(`INSERT INTO "Completion" (id, "promptId", text, source)
                  SELECT 2 * i - 1 + j, i, 'Completion ' || j || ' of prompt ' || i || '. ' || repeat(${filler}, 2), 'IMPORT' FROM generate_series(${from + 1}, ${to}) i, generate_series(0, 1) j`),
  );
  // Display order randomised per task, as imports do.
  await chunked('tasks', TASKS, (from, to) =>
    client.query(`INSERT INTO "Task" (id, "projectId", "promptId", "completionIds")
                  SELECT i, ${projectId}, i, CASE WHEN random() < 0.5 THEN ARRAY[2 * i - 1, 2 * i] ELSE ARRAY[2 * i, 2 * i - 1] END FROM generate_series(${from + 1}, ${to}) i`),
  );
  for (const table of ['Prompt', 'Completion', 'Task']) {
    await client.query(`SELECT setval(pg_get_serial_sequence('"${table}"', 'id'), (SELECT max(id) FROM "${table}"))`);
  }
  return projectId;
}

/**
 * Inserts annotations number [from, to) of the fixed sequence (see the file comment), then sets
 * every task's count and status to what the first `to` annotations give.
 */
export async function fillAnnotations(client: pg.Client, options: { projectId: number; from: number; to: number }) {
  const doneRows = DONE_TASKS * OVERLAP;
  // k -> (task, slot); the annotator of a slot is spread over the pool and distinct per task.
  const taskOf = `CASE WHEN k < ${doneRows} THEN k / ${OVERLAP} + 1 ELSE ${DONE_TASKS} + (k - ${doneRows}) / ${OPEN_TASK_ANSWERS} + 1 END`;
  const slotOf = `CASE WHEN k < ${doneRows} THEN k % ${OVERLAP} ELSE (k - ${doneRows}) % ${OPEN_TASK_ANSWERS} END`;
  await chunked('annotations', options.to - options.from, (from, to) =>
    client.query(`
      INSERT INTO "Annotation" ("clientId", "taskId", "projectId", "userId", status, answer, "timeSpentMs", "createdAt")
      SELECT 'fill-' || k, task, ${options.projectId},
        CASE WHEN u < ${HISTORIC_ANNOTATORS} THEN 'hist-' || u ELSE 'bench-' || (u - ${HISTORIC_ANNOTATORS}) END,
        'SUBMITTED',
        jsonb_build_object('preference', jsonb_build_object('type', 'pairwise', 'choice', (ARRAY['A', 'B', 'tie', 'both_bad'])[k % 4 + 1])),
        5000 + (k::bigint * 7919) % 60000,
        (now() AT TIME ZONE 'UTC') - make_interval(secs => (${options.to} - k) * 3)
      FROM (SELECT k, ${taskOf} AS task, ${slotOf} AS slot FROM generate_series(${options.from + from}, ${options.from + to - 1}) k) s,
      LATERAL (SELECT ((s.task * 31 + s.slot * 97) % ${POOL})::int AS u) pick`),
  );
  await setTaskCounts(client, options.to);
}

/** Task counts and statuses as the first `annotations` rows of the sequence leave them. */
async function setTaskCounts(client: pg.Client, annotations: number) {
  const doneRows = DONE_TASKS * OVERLAP;
  const count =
    annotations <= doneRows
      ? `greatest(0, least(${OVERLAP}, ${annotations} - (id - 1) * ${OVERLAP}))`
      : `CASE WHEN id <= ${DONE_TASKS} THEN ${OVERLAP} ELSE greatest(0, least(${OPEN_TASK_ANSWERS}, ${annotations - doneRows} - (id - ${DONE_TASKS} - 1) * ${OPEN_TASK_ANSWERS})) END`;
  await client.query(`UPDATE "Task" SET "submittedCount" = ${count}, status = CASE WHEN ${count} >= ${OVERLAP} THEN 'DONE'::"TaskStatus" ELSE 'OPEN'::"TaskStatus" END`);
}

/** Removes what a measurement wrote (its annotations, leases, cursors) so the next fill continues the sequence. */
export async function resetAfterMeasurement(client: pg.Client, options: { lastFillAnnotationId: number }) {
  await client.query(`DELETE FROM "Annotation" WHERE id > $1`, [options.lastFillAnnotationId]);
  await client.query(`DELETE FROM "Completion" WHERE source = 'HUMAN_EDIT'`);
  await client.query(`DELETE FROM "Assignment"`);
  await client.query(`DELETE FROM "QueueCursor"`);
}

/**
 * Annotators for the capacity run, made in SQL: users and live sessions, with no password hashing
 * and no sign-in round trip (thousands of sign-ins would spend minutes in scrypt before the
 * measurement starts). Each session token is signed as better-auth signs its cookie (HMAC-SHA256
 * with the server's secret, base64, URL-encoded), so the server reads these cookies like a
 * browser's. The sessions expire in 7 days, i.e. they are fresh (no sliding refresh on the path).
 * Returns one Cookie header value per annotator.
 */
export async function createSessionAnnotators(client: pg.Client, options: { count: number; secret: string; cookieName: string }): Promise<string[]> {
  const tokens = Array.from({ length: options.count }, () => randomBytes(24).toString('base64url'));
  await client.query(`
    INSERT INTO "user" (id, name, email, "emailVerified", role, "createdAt", "updatedAt")
    SELECT 'cap-' || i, 'Capacity ' || i, 'cap' || i || '@bench.test', true, 'annotator', now(), now() FROM generate_series(0, ${options.count - 1}) i`);
  await client.query(
    `INSERT INTO session (id, "expiresAt", token, "createdAt", "updatedAt", "userId")
     SELECT 'cap-session-' || (o - 1), (now() AT TIME ZONE 'UTC') + interval '7 days', t, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', 'cap-' || (o - 1)
     FROM unnest($1::text[]) WITH ORDINALITY AS x(t, o)`,
    [tokens],
  );
  return tokens.map((token) => {
    const signature = createHmac('sha256', options.secret).update(token).digest('base64');
    return `${options.cookieName}=${encodeURIComponent(`${token}.${signature}`)}`;
  });
}

export async function vacuumAnalyze(client: pg.Client) {
  for (const table of ['Annotation', 'Task', 'Assignment', 'QueueCursor', 'Prompt', 'Completion', 'session', 'user']) {
    await client.query(`VACUUM ANALYZE "${table}"`);
  }
}
