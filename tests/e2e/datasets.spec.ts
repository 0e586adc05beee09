/**
 * The Datasets tab: an admin takes a snapshot of a rated project, sees it listed with its counts,
 * previews the TRL preference rows and downloads the JSONL, whose lines are the pairs the test
 * wrote (computed here from the inserted answers, not by the product); and a majority-vote
 * snapshot with a minimum agreement and confidence weights, against votes counted by hand.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { test, expect, signIn, signInByApi, callMutation } from './fixtures';

const suffix = randomBytes(3).toString('hex');
const PROMPTS = Array.from({ length: 5 }, (_, i) => ({ prompt: `Question ${i} (${suffix}) = "quoted"?`, completions: [`first answer ${i}`, `second answer ${i}\nwith a line break`] }));

test('[ADMIN] takes a snapshot, previews it and downloads the JSONL', async ({ page, request, e2e, database }) => {
  await signInByApi(request, e2e, e2e.adminEmail, e2e.adminPassword);
  const project = await callMutation<{ id: number }>(request, 'projects.create', {
    name: `E2E datasets ${suffix}`,
    form: { questions: [{ id: 'preference', type: 'pairwise', label: 'Better?' }] },
    completionsPerTask: 2,
    overlap: 1,
  });
  await callMutation(request, 'imports.commit', { projectId: project.id, fileName: 'pairs.jsonl', content: PROMPTS.map((p) => JSON.stringify(p)).join('\n') });

  // The admin answered every task an hour ago (settled), preferring the second completion.
  const admin = await database.query<{ id: string }>(`SELECT id FROM "user" WHERE email = $1`, [e2e.adminEmail]);
  await database.query(
    `INSERT INTO "Annotation" ("clientId", "taskId", "projectId", "userId", status, answer, "timeSpentMs", "createdAt")
     SELECT 'e2e-' || t.id || '-' || $3, t.id, t."projectId", $2, 'SUBMITTED',
       jsonb_build_object('preference', jsonb_build_object('type', 'pairwise', 'choice',
         CASE WHEN t."completionIds"[1] = (SELECT max(c.id) FROM "Completion" c WHERE c."promptId" = t."promptId") THEN 'A' ELSE 'B' END)),
       1000, now() - interval '1 hour'
     FROM "Task" t WHERE t."projectId" = $1 ORDER BY t.id`,
    [project.id, admin.rows[0].id, suffix],
  );

  await signIn(page, e2e.adminEmail, e2e.adminPassword, /\/admin$/);
  await page.goto(`/admin/projects/${project.id}`);
  await page.getByTestId('project-tab-datasets').click();
  await expect(page).toHaveURL(/tab=datasets/);

  // A bad filter is refused in words, and nothing is taken.
  await page.getByTestId('snapshot-agreement').fill('150');
  await page.getByTestId('snapshot-create').click();
  await expect(page.getByTestId('snapshot-error')).toContainText('The minimum agreement must be between 0 and 1');
  await page.getByTestId('snapshot-agreement').fill('');

  await page.getByTestId('snapshot-name').fill('E2E <b>data</b>');
  await page.getByTestId('snapshot-create').click();
  await expect.poll(async () => (await database.query(`SELECT id FROM "DatasetSnapshot" WHERE "projectId" = $1 AND "contentHash" <> ''`, [project.id])).rowCount).toBe(1);
  const snapshotId = (await database.query<{ id: number }>(`SELECT id FROM "DatasetSnapshot" WHERE "projectId" = $1`, [project.id])).rows[0].id;
  const row = page.getByTestId(`snapshot-row-${snapshotId}`);
  await expect(row).toContainText('E2E <b>data</b>'); // shown as text, not HTML
  await expect(page.getByTestId(`snapshot-annotations-${snapshotId}`)).toHaveText('5');

  // The preview: first rows of TRL preference, the second completion chosen.
  const preview = page.getByTestId('export-preview');
  await expect(preview.locator('tbody tr')).toHaveCount(5);
  await expect(preview.locator('thead th')).toHaveText(['prompt', 'chosen', 'rejected']);
  await expect(preview.locator('tbody tr').first().locator('td')).toHaveText([PROMPTS[0].prompt, PROMPTS[0].completions[1], PROMPTS[0].completions[0]]);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-download').click()]);
  expect(download.suggestedFilename()).toBe(`snapshot-${snapshotId}-e2e-b-data-b-trl-preference.jsonl`);
  const text = await readFile(await download.path(), 'utf8');
  const expected = PROMPTS.map((p) => JSON.stringify({ prompt: p.prompt, chosen: p.completions[1], rejected: p.completions[0] })).join('\n') + '\n';
  expect(text).toBe(expected);
});

test('[ADMIN] takes a majority-vote snapshot with a minimum agreement, weighted by confidence', async ({ page, request, e2e, database }) => {
  const tag = randomBytes(3).toString('hex');
  await signInByApi(request, e2e, e2e.adminEmail, e2e.adminPassword);
  const project = await callMutation<{ id: number }>(request, 'projects.create', {
    name: `E2E consensus ${tag}`,
    form: { questions: [{ id: 'preference', type: 'pairwise', label: 'Better?' }] },
    completionsPerTask: 2,
    overlap: 3,
  });
  const prompts = Array.from({ length: 4 }, (_, i) => ({ prompt: `Consensus question ${i} (${tag})`, completions: [`good answer ${i}`, `bad answer ${i}`] }));
  await callMutation(request, 'imports.commit', { projectId: project.id, fileName: 'pairs.jsonl', content: prompts.map((p) => JSON.stringify(p)).join('\n') });
  const raters = ['Xena', 'Yusuf', 'Zara'].map((name) => ({ id: `e2e-${tag}-${name.toLowerCase()}`, name: `${name} ${tag}` }));
  for (const rater of raters) {
    await database.query(`INSERT INTO "user" (id, name, email, "emailVerified", role, "createdAt", "updatedAt") VALUES ($1, $2, $3, true, 'annotator', now(), now())`, [
      rater.id,
      rater.name,
      `${rater.id}@example.test`,
    ]);
  }

  // Who preferred the good answer: question 0 all three; 1 two of three; 2 one of two (50%: below
  // the 60% floor); 3 one of three (the majority prefers the bad answer).
  const votes: ('good' | 'bad')[][] = [
    ['good', 'good', 'good'],
    ['good', 'good', 'bad'],
    ['good', 'bad'],
    ['bad', 'bad', 'good'],
  ];
  const tasks = await database.query<{ id: number; text: string; goodIsA: boolean }>(
    `SELECT t.id, p.text, (SELECT c.text FROM "Completion" c WHERE c.id = t."completionIds"[1]) LIKE 'good%' AS "goodIsA"
     FROM "Task" t JOIN "Prompt" p ON p.id = t."promptId" WHERE t."projectId" = $1`,
    [project.id],
  );
  const taskOf = (i: number) => tasks.rows.find((t) => t.text === prompts[i].prompt) ?? tasks.rows[0];
  // Their answers, an hour old (settled), in question order.
  for (const [i, row] of votes.entries()) {
    for (const [n, vote] of row.entries()) {
      const choice = (vote === 'good') === taskOf(i).goodIsA ? 'A' : 'B';
      await database.query(
        `INSERT INTO "Annotation" ("clientId", "taskId", "projectId", "userId", status, answer, "timeSpentMs", "createdAt")
         VALUES ($1, $2, $3, $4, 'SUBMITTED', $5::jsonb, 3000, now() - interval '1 hour')`,
        [`e2e-${tag}-${i}-${n}`, taskOf(i).id, project.id, raters[n].id, JSON.stringify({ preference: { type: 'pairwise', choice } })],
      );
    }
  }

  await signIn(page, e2e.adminEmail, e2e.adminPassword, /\/admin$/);
  await page.goto(`/admin/projects/${project.id}?tab=datasets`);
  await page.getByTestId('snapshot-name').fill('Consensus pairs');
  await page.getByTestId('snapshot-label-majority').check();
  await page.getByTestId('snapshot-agreement').fill('60');
  await page.getByTestId('snapshot-weight').check();
  await page.getByTestId('snapshot-create').click();
  await expect.poll(async () => (await database.query(`SELECT id FROM "DatasetSnapshot" WHERE "projectId" = $1 AND "contentHash" <> ''`, [project.id])).rowCount).toBe(1);
  const snapshotId = (await database.query<{ id: number }>(`SELECT id FROM "DatasetSnapshot" WHERE "projectId" = $1`, [project.id])).rows[0].id;
  await expect(page.getByTestId(`snapshot-labels-${snapshotId}`)).toHaveText('Majority vote, agreement ≥ 60%, weighted');
  await expect(page.getByTestId(`snapshot-annotations-${snapshotId}`)).toHaveText('3');

  // By hand: questions 0, 1 and 3 agree enough; the majority's answer is chosen, weighted by its share of the votes.
  const expected = [
    { prompt: prompts[0].prompt, chosen: 'good answer 0', rejected: 'bad answer 0', weight: 3 / 3 },
    { prompt: prompts[1].prompt, chosen: 'good answer 1', rejected: 'bad answer 1', weight: 2 / 3 },
    { prompt: prompts[3].prompt, chosen: 'bad answer 3', rejected: 'good answer 3', weight: 2 / 3 },
  ];
  const preview = page.getByTestId('export-preview');
  await expect(preview.locator('thead th')).toHaveText(['prompt', 'chosen', 'rejected', 'weight']);
  await expect(preview.locator('tbody tr')).toHaveCount(3);
  for (const [i, row] of expected.entries()) {
    await expect(preview.locator('tbody tr').nth(i).locator('td')).toHaveText([row.prompt, row.chosen, row.rejected, String(row.weight)]);
  }

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-download').click()]);
  const lines = (await readFile(await download.path(), 'utf8')).split('\n').filter(Boolean);
  expect(lines.map((line) => JSON.parse(line))).toEqual(expected);
});
