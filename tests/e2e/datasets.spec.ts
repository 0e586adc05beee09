/**
 * The Datasets tab: an admin takes a snapshot of a rated project, sees it listed with its counts,
 * previews the TRL preference rows and downloads the JSONL, whose lines are the pairs the test
 * wrote (computed here from the inserted answers, not by the product).
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
