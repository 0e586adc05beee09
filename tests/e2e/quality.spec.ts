/**
 * The Quality tab shows the statistics of answers the test wrote, checked against values computed
 * by hand (the same case as tests/integration/quality.test.ts):
 *   three annotators X, Y, Z on four tasks: T1 A A A, T2 A A B, T3 B B B, T4 A B (Z absent).
 *   alpha (nominal) = 1 − 10 · 4 / 60 = 0.333; agreement (1 + 1/3 + 1 + 0) / 4 = 0.583;
 *   kappa X–Y 0.5, X–Z = Y–Z 0.4, mean weighted by shared tasks (2 + 1.2 + 1.2) / 10 = 0.440;
 *   first-shown (A) picks 6 of 11 = 54.5%, binomial p = 1; X: 3 of 4 (75.0%), p = 0.625;
 *   X agrees with co-annotators on 5 of 7 comparisons = 71.4%; X answered in 100–400 ms (median
 *   250 ms), under the reading time of its tasks' text, so 4 answers are "too fast".
 */
import { randomBytes } from 'node:crypto';
import { test, expect, signIn, signInByApi, callMutation } from './fixtures';

const suffix = randomBytes(3).toString('hex');
const PROMPTS = Array.from({ length: 4 }, (_, i) => ({ prompt: `Quality question ${i} (${suffix}): which is better?`, completions: [`first answer ${i} here`, `second answer ${i} here`] }));

test('[ADMIN] sees agreement, the kappa heatmap, position bias and annotator quality of hand-computed answers', async ({ page, request, e2e, database }) => {
  await signInByApi(request, e2e, e2e.adminEmail, e2e.adminPassword);
  const project = await callMutation<{ id: number }>(request, 'projects.create', {
    name: `E2E quality ${suffix}`,
    form: { questions: [{ id: 'preference', type: 'pairwise', label: 'Better?' }] },
    completionsPerTask: 2,
    overlap: 3,
  });
  await callMutation(request, 'imports.commit', { projectId: project.id, fileName: 'pairs.jsonl', content: PROMPTS.map((p) => JSON.stringify(p)).join('\n') });
  const names = { x: `Xavier ${suffix}`, y: `Yvonne ${suffix}`, z: `Zoe ${suffix}` };
  for (const [key, name] of Object.entries(names)) {
    await database.query(`INSERT INTO "user" (id, name, email, "emailVerified", role, "createdAt", "updatedAt") VALUES ($1, $2, $3, true, 'annotator', now(), now())`, [
      `e2e-q-${key}-${suffix}`,
      name,
      `e2e-q-${key}-${suffix}@example.test`,
    ]);
  }
  const tasks = (await database.query<{ id: number }>(`SELECT id FROM "Task" WHERE "projectId" = $1 ORDER BY id`, [project.id])).rows.map((r) => r.id);
  expect(tasks).toHaveLength(4);
  const rows: [number, 'x' | 'y' | 'z', 'A' | 'B', number][] = [
    [0, 'x', 'A', 100],
    [1, 'x', 'A', 200],
    [2, 'x', 'B', 300],
    [3, 'x', 'A', 400],
    [0, 'y', 'A', 4000],
    [1, 'y', 'A', 5000],
    [2, 'y', 'B', 6000],
    [3, 'y', 'B', 7000],
    [0, 'z', 'A', 9000],
    [1, 'z', 'B', 9000],
    [2, 'z', 'B', 9000],
  ];
  for (const [task, who, choice, ms] of rows) {
    await database.query(
      `INSERT INTO "Annotation" ("clientId", "taskId", "projectId", "userId", status, answer, "timeSpentMs", "createdAt")
       VALUES ($1, $2, $3, $4, 'SUBMITTED', $5::jsonb, $6, now() - interval '1 hour')`,
      [`e2e-q-${suffix}-${task}-${who}`, tasks[task], project.id, `e2e-q-${who}-${suffix}`, JSON.stringify({ preference: { type: 'pairwise', choice } }), ms],
    );
  }

  await signIn(page, e2e.adminEmail, e2e.adminPassword, /\/admin$/);
  await page.goto(`/admin/projects/${project.id}`);
  await page.getByTestId('project-tab-quality').click();
  await expect(page).toHaveURL(/tab=quality/);

  const agreement = page.getByTestId('agreement-row-preference');
  await expect(agreement.getByTestId('agreement-units')).toHaveText('4');
  await expect(agreement.getByTestId('agreement-alpha')).toContainText(/^0\.333 \[/);
  await expect(agreement.getByTestId('agreement-percent')).toContainText(/^0\.583 \[/);
  await expect(agreement.getByTestId('agreement-kappa')).toContainText(/^0\.440 \[/);

  // Heatmap cells (names sort X, Y, Z): the kappa as text and in the accessible name.
  const heatmap = page.getByTestId('kappa-heatmap');
  await expect(heatmap.getByTestId('kappa-cell-0-1').locator('text')).toHaveText('0.500');
  await expect(heatmap.getByTestId('kappa-cell-1-0').locator('text')).toHaveText('0.500');
  await expect(heatmap.getByTestId('kappa-cell-0-2').locator('text')).toHaveText('0.400');
  await expect(heatmap.getByTestId('kappa-cell-1-2').locator('text')).toHaveText('0.400');
  await expect(heatmap.getByRole('img', { name: new RegExp(`^${names.x} and ${names.y}: kappa 0\\.500 .*4 shared tasks$`) })).toBeVisible();

  await expect(page.getByTestId('position-bias-first')).toHaveText('6');
  await expect(page.getByTestId('position-bias-picks')).toHaveText('11');
  await expect(page.getByTestId('position-bias-share')).toHaveText('54.5%');
  await expect(page.getByTestId('position-bias-p')).toHaveText('1.000');

  const x = page.getByTestId(`quality-row-e2e-q-x-${suffix}`);
  await expect(x.getByTestId('quality-submitted')).toHaveText('4');
  await expect(x.getByTestId('quality-agreement')).toHaveText('71.4%of 7');
  await expect(x.getByTestId('quality-median-time')).toHaveText('250 ms');
  await expect(x.getByTestId('quality-fast')).toHaveText('4');
  await expect(x.getByTestId('quality-first-share')).toHaveText('3 / 4 (75.0%)');
  await expect(x.getByTestId('quality-bias-p')).toHaveText('0.625');
  const z = page.getByTestId(`quality-row-e2e-q-z-${suffix}`);
  await expect(z.getByTestId('quality-agreement')).toHaveText('66.7%of 6');
  await expect(z.getByTestId('quality-fast')).toHaveText('0');
  await expect(z.getByTestId('quality-median-time')).toHaveText('9.0 s');
});
