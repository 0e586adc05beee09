/**
 * The Import tab with a CSV whose columns need mapping: the rejected file names the columns it
 * found, the admin maps them, the preview shows the judgements and who they will be recorded
 * under, and the commit writes them as submitted answers (checked in the database).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, expect, signIn, callMutation } from './fixtures';

const suffix = Date.now().toString(36);

test('[ADMIN] maps the columns of a CSV and imports its preferences as judgements', async ({ page, e2e, database }) => {
  await signIn(page, e2e.adminEmail, e2e.adminPassword, /\/admin$/);
  const project = await callMutation<{ id: number }>(page.request, 'projects.create', {
    name: `E2E mapped CSV ${suffix}`,
    guidelines: '',
    form: { questions: [{ id: 'preference', type: 'pairwise', label: 'Which is better?' }] },
    completionsPerTask: 2,
    overlap: 1,
  });

  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'feedloop-e2e-')), 'reviews.csv');
  fs.writeFileSync(file, 'question,better,worse\n"Hi, who are you?",I am a helper.,Nobody.\nWhat is 2+2?,4,5\n');
  await page.goto(`/admin/projects/${project.id}`);
  await page.getByTestId('project-tab-import').click();
  await page.getByTestId('import-file').setInputFiles(file);

  // Detected as plain CSV, the header fits no known layout: the problem names what it found.
  await expect(page.getByTestId('import-errors')).toContainText('Found columns: question, better, worse');
  await expect(page.getByTestId('import-mapping')).toBeVisible();

  await page.getByTestId('import-mapping-prompt').selectOption('question');
  await page.getByTestId('import-mapping-chosen').selectOption('better');
  await page.getByTestId('import-mapping-rejected').selectOption('worse');
  await expect(page.getByTestId('import-preview-format')).toHaveText('csv-mapped');
  await expect(page.getByTestId('import-preview-tasks')).toHaveText('2');
  await expect(page.getByTestId('import-annotator')).toHaveText('Imported (CSV)');
  await expect(page.getByTestId('import-judgements')).toBeChecked();
  await expect(page.getByTestId('import-preview-judgement').first()).toHaveText('chosen');

  await page.getByTestId('import-commit').click();
  await expect(page.getByTestId('import-result-tasks')).toHaveText('2');
  await expect(page.getByTestId('import-result-annotations')).toHaveText('2');

  // In the database: two submitted answers by the pseudo-annotator, each naming the "better" text.
  const rows = await database.query<{ chosen: string; status: string }>(
    `SELECT c.text AS chosen, t.status::text AS status
       FROM "Annotation" a JOIN "Task" t ON t.id = a."taskId"
       JOIN "Completion" c ON c.id = t."completionIds"[CASE WHEN a.answer->'preference'->>'choice' = 'A' THEN 1 ELSE 2 END]
      WHERE a."projectId" = $1 AND a."userId" = 'imported-csv' AND a.status = 'SUBMITTED' ORDER BY c.text`,
    [project.id],
  );
  expect(rows.rows).toEqual([
    { chosen: '4', status: 'DONE' },
    { chosen: 'I am a helper.', status: 'DONE' },
  ]);
});
