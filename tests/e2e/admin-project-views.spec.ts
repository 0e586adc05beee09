/**
 * The admin's project views with data seeded straight into the database, so every number on the
 * page can be compared with a count chosen here: the overview's charts (choices, left vs right,
 * annotations per hour), the annotations table quoting the responses, the task page reached from
 * it and from the flagged list, its 404s, and an import of a file of the wrong shape.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { test, expect, signIn, callMutation } from './fixtures';

const suffix = Date.now().toString(36);
const HOUR = 3600_000;

/** A UTC wall-clock time for a `timestamp without time zone` column (the app stores UTC), whatever this process's zone. */
const utc = (ms: number) => new Date(ms).toISOString().replace('Z', '');
const hourLabel = (ms: number) => `${new Date(ms).toISOString().slice(0, 10)} ${new Date(ms).toISOString().slice(11, 13)}:00`;

test('[ADMIN] the overview charts the seeded answers; the annotations table quotes responses and opens the task page', async ({ page, e2e, database }) => {
  await signIn(page, e2e.adminEmail, e2e.adminPassword, /\/admin$/);
  const project = await callMutation<{ id: number }>(page.request, 'projects.create', {
    name: `E2E views ${suffix}`,
    guidelines: '',
    form: { questions: [{ id: 'preference', type: 'pairwise', label: 'Which response is better?' }] },
    completionsPerTask: 2,
    overlap: 3,
  });
  // 1,299 plain prompts and one chat prompt: 1,300 tasks.
  const chat = {
    prompt: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Name the **capital** of France.' },
    ],
    completions: ['Paris.', 'It is <b>Lyon</b>.'],
  };
  const lines = [JSON.stringify(chat), ...Array.from({ length: 1299 }, (_, i) => JSON.stringify({ prompt: `Question ${i}?`, completions: [`Answer one to ${i}`, `Answer two to ${i}`] }))];
  await callMutation(page.request, 'imports.commit', { projectId: project.id, fileName: 'views.jsonl', content: lines.join('\n') });
  const annotators = await Promise.all(
    ['One', 'Two'].map((name) =>
      callMutation<{ id: string }>(page.request, 'users.create', {
        email: `views-${name.toLowerCase()}-${suffix}@example.test`,
        name: `Viewer ${name} ${suffix}`,
        password: 'e2e views password',
        role: 'annotator',
      }),
    ),
  );
  const tasks = (
    await database.query<{ id: number; completionIds: number[]; prompt: string }>(
      'SELECT t.id, t."completionIds", p.text AS prompt FROM "Task" t JOIN "Prompt" p ON p.id = t."promptId" WHERE t."projectId" = $1 ORDER BY t.id',
      [project.id],
    )
  ).rows;
  expect(tasks).toHaveLength(1300);
  const chatTask = tasks.find((t) => t.prompt.includes('capital'));
  if (!chatTask) throw new Error('the chat prompt was not imported');
  const textOf = async (id: number) => (await database.query<{ text: string }>('SELECT text FROM "Completion" WHERE id = $1', [id])).rows[0].text;

  // Annotator One answers every task: A on the first 1,100, B on the next 149, tie on 31, both bad on 20.
  // The first 300 two hours ago, the rest now.
  const now = Date.now();
  const base = Math.floor(now / HOUR) * HOUR;
  await database.query(
    `INSERT INTO "Annotation" ("clientId", "taskId", "projectId", "userId", status, answer, "timeSpentMs", "createdAt")
     SELECT gen_random_uuid()::text, t.id, t."projectId", $2, 'SUBMITTED',
       jsonb_build_object('preference', jsonb_build_object('type', 'pairwise', 'choice',
         CASE WHEN t.n <= 1100 THEN 'A' WHEN t.n <= 1249 THEN 'B' WHEN t.n <= 1280 THEN 'tie' ELSE 'both_bad' END)),
       1500, CASE WHEN t.n <= 300 THEN $3::timestamp ELSE $4::timestamp END
     FROM (SELECT id, "projectId", row_number() OVER (ORDER BY id) AS n FROM "Task" WHERE "projectId" = $1) t`,
    [project.id, annotators[0].id, utc(base - 2 * HOUR + 60_000), utc(now)],
  );
  // Annotator Two, last: B on the chat task, a skip and a flag.
  const insert = async (taskId: number, status: string, answer: unknown, flagReason: string | null) =>
    (
      await database.query<{ id: number }>(
        `INSERT INTO "Annotation" ("clientId", "taskId", "projectId", "userId", status, answer, "timeSpentMs", "flagReason", "createdAt") VALUES ($1, $2, $3, $4, $5, $6, 4200, $7, $8) RETURNING id`,
        [randomUUID(), taskId, project.id, annotators[1].id, status, answer === null ? null : JSON.stringify(answer), flagReason, utc(now)],
      )
    ).rows[0].id;
  const chosenB = await insert(chatTask.id, 'SUBMITTED', { preference: { type: 'pairwise', choice: 'B' } }, null);
  await insert(tasks[1].id, 'SKIPPED', null, null);
  await insert(tasks[2].id, 'FLAGGED', null, 'The prompt is cut off');
  await database.query(`UPDATE "Task" SET status = 'FLAGGED' WHERE id = $1`, [tasks[2].id]);

  // Overview: totals and charts equal the seeded counts, with thousands separators.
  await page.goto(`/admin/projects/${project.id}`);
  await expect(page.getByTestId('stat-tasks-total')).toHaveText('1,300');
  const choices = 'choice-chart-preference';
  await expect(page.getByTestId(`${choices}-count-A`)).toHaveText('1,100');
  await expect(page.getByTestId(`${choices}-count-B`)).toHaveText('150');
  await expect(page.getByTestId(`${choices}-count-tie`)).toHaveText('31');
  await expect(page.getByTestId(`${choices}-count-both_bad`)).toHaveText('20');
  // 1,100 of 1,301 answers = 84.55%.
  await expect(page.getByTestId(`${choices}-share-A`)).toHaveText('84.6%');
  await expect(page.getByTestId(`${choices}-image`)).toHaveAttribute('aria-label', /A better 1,100 \(84\.6%\), B better 150 \(11\.5%\), Tie 31 \(2\.4%\), Both bad 20 \(1\.5%\)/);
  // Left vs right: 1,100 picks of A (left) and 150 of B (right), 88% and 12% of the 1,250 decisive answers.
  await expect(page.getByTestId('position-chart-preference-count-1')).toHaveText('1,100');
  await expect(page.getByTestId('position-chart-preference-count-2')).toHaveText('150');
  await expect(page.getByTestId('position-chart-preference-share-1')).toHaveText('88%');
  await expect(page.getByTestId('position-chart-preference-share-2')).toHaveText('12%');
  // Per hour (the project is new): 300 two hours ago, none an hour ago, 1,001 submitted + a skip + a flag this hour.
  await expect(page.getByTestId('timeline-total-submitted')).toHaveText('1,301');
  await expect(page.getByTestId('timeline-total-skipped')).toHaveText('1');
  await expect(page.getByTestId('timeline-total-flagged')).toHaveText('1');
  await page.getByTestId('timeline-chart').locator('summary').click();
  await expect(page.getByTestId(`timeline-row-${hourLabel(base - 2 * HOUR)}`).locator('td')).toHaveText([hourLabel(base - 2 * HOUR), '300', '0', '0']);
  await expect(page.getByTestId(`timeline-row-${hourLabel(base - HOUR)}`).locator('td')).toHaveText([hourLabel(base - HOUR), '0', '0', '0']);
  await expect(page.getByTestId(`timeline-row-${hourLabel(base)}`).locator('td')).toHaveText([hourLabel(base), '1,001', '1', '1']);
  await expect(page.getByTestId('timeline-chart-image')).toHaveAttribute('aria-label', /1,301 submitted, 1 skipped, 1 flagged/);

  // Annotations: the B answer quotes the response shown second, and the prompt links to the task.
  const [shownFirst, shownSecond] = await Promise.all(chatTask.completionIds.map(textOf));
  await page.getByTestId('project-tab-annotations').click();
  await expect(page.getByTestId(`annotation-answer-${chosenB}`)).toHaveText(`B better: “${shownSecond}”`);
  await expect(page.getByTestId('annotations-table')).not.toContainText(`#${chatTask.completionIds[1]}`);
  await page.getByTestId(`annotation-task-link-${chosenB}`).click();
  await expect(page).toHaveURL(new RegExp(`/admin/projects/${project.id}/tasks/${chatTask.id}$`));

  // The task page: chat turns rendered as markdown, raw HTML as text, responses in display order, both answers.
  const prompt = page.getByTestId('task-detail-prompt');
  await expect(prompt).toContainText('system');
  await expect(prompt).toContainText('Be brief.');
  await expect(prompt.locator('strong')).toHaveText('capital');
  await expect(page.getByTestId('task-response-text-0')).toHaveText(shownFirst);
  await expect(page.getByTestId('task-response-text-1')).toHaveText(shownSecond);
  await expect(page.getByTestId('task-detail').locator('b')).toHaveCount(0);
  const answerRows = page.getByTestId('task-answers').locator('tbody tr');
  await expect(answerRows).toHaveCount(2);
  await expect(page.getByTestId(`task-answer-${chosenB}`)).toContainText(`Viewer Two ${suffix}`);
  await expect(page.getByTestId(`task-answer-${chosenB}`)).toContainText('submitted');
  await expect(page.getByTestId(`task-answer-words-${chosenB}`)).toHaveText(`B better: “${shownSecond}”`);
  await expect(page.getByTestId(`task-answer-${chosenB}`)).toContainText('4.2 s');
  // Annotator One's answer on this task: by its place in id order, as seeded above.
  const n = tasks.indexOf(chatTask) + 1;
  const oneSaid = n <= 1100 ? `A better: “${shownFirst}”` : n <= 1249 ? `B better: “${shownSecond}”` : n <= 1280 ? 'Tie' : 'Both bad';
  await expect(answerRows.first()).toContainText(`Viewer One ${suffix}`);
  await expect(answerRows.first()).toContainText(oneSaid);

  // The flagged list links to the task page too, which says who flagged it and why.
  await page.goto(`/admin/projects/${project.id}?tab=flagged`);
  await page.getByTestId(`flagged-task-link-${tasks[2].id}`).click();
  await expect(page).toHaveURL(new RegExp(`/tasks/${tasks[2].id}$`));
  await expect(page.getByTestId('task-answers')).toContainText('Flagged: The prompt is cut off');

  // A task of another project, or no task at all: 404.
  const other = await callMutation<{ id: number }>(page.request, 'projects.create', {
    name: `E2E views other ${suffix}`,
    guidelines: '',
    form: { questions: [{ id: 'preference', type: 'pairwise', label: 'Which?' }] },
    completionsPerTask: 2,
  });
  expect((await page.goto(`/admin/projects/${other.id}/tasks/${chatTask.id}`))?.status()).toBe(404);
  expect((await page.goto(`/admin/projects/${project.id}/tasks/2000000000`))?.status()).toBe(404);
});

test('[ADMIN] a file of the wrong shape is refused with the keys it has and the keys expected', async ({ page, e2e, database }) => {
  await signIn(page, e2e.adminEmail, e2e.adminPassword, /\/admin$/);
  const project = await callMutation<{ id: number }>(page.request, 'projects.create', {
    name: `E2E wrong file ${suffix}`,
    guidelines: '',
    form: { questions: [{ id: 'preference', type: 'pairwise', label: 'Which?' }] },
    completionsPerTask: 2,
  });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'feedloop-e2e-')), 'survey.jsonl');
  fs.writeFileSync(file, `${JSON.stringify({ question: 'Hi?', answer_a: 'Hello', answer_b: 'Go away' })}\n`);
  await page.goto(`/admin/projects/${project.id}?tab=import`);
  await page.getByTestId('import-file').setInputFiles(file);
  await expect(page.getByTestId('import-errors')).toContainText('Nothing was imported: 1 problem found');
  await expect(page.getByTestId('import-errors-0-found')).toHaveText('Found keys: question, answer_a, answer_b');
  const expected = page.getByTestId('import-errors-0-expected');
  await expect(expected).toContainText('Expected one of:');
  await expect(expected).toContainText('prompt and completions');
  await expect(expected).toContainText('prompt, chosen and rejected');
  await expect(page.getByTestId('import-preview')).toHaveCount(0);
  expect((await database.query('SELECT 1 FROM "Prompt" WHERE "projectId" = $1', [project.id])).rowCount).toBe(0);
});
