/**
 * The Training tab without a worker: an admin starts a round through the form (the run row holds
 * exactly the form's config, its job waits in the queue), cancels it, and reads a finished round
 * and two policy versions written straight into the database (what the trainer would have
 * written): curves, comparison, promotion. A round on consensus labels, a minimum agreement and
 * weights keeps them in its config, and its page names them. The workers page shows and cancels a queued job. An
 * annotator is refused the tab and its API.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { ZRoundConfig } from '../../server/jobs/contracts';
import { test, expect, signIn, signInByApi, callMutation } from './fixtures';

const LIKERT = { questions: [{ id: 'quality', type: 'likert', label: 'How good is this response?', min: 1, max: 5 }] };

const suffix = randomBytes(3).toString('hex');
const annotator = { email: `trainee-${suffix}@example.test`, name: 'Tina Trainee', password: 'annotator password 1' };
/** What the form starts from before the project has a last-used config (read, so a tuned default does not break the test). */
const DEFAULTS = ZRoundConfig.parse({});
let projectId = 0;

test.describe.configure({ mode: 'serial' });

const trainingUrl = () => `/admin/projects/${projectId}?tab=training`;

test('[ADMIN] starts a round from the form', async ({ page, request, e2e, database }) => {
  await signInByApi(request, e2e, e2e.adminEmail, e2e.adminPassword);
  await callMutation(request, 'users.create', { ...annotator, role: 'annotator' });
  const project = await callMutation<{ id: number }>(request, 'projects.create', { name: `E2E training ${suffix}`, form: LIKERT, completionsPerTask: 1, overlap: 1 });
  projectId = project.id;

  await signIn(page, e2e.adminEmail, e2e.adminPassword, /\/admin$/);
  await page.goto(`/admin/projects/${projectId}`);
  await page.getByTestId('project-tab-training').click();
  await expect(page).toHaveURL(/tab=training/);
  await expect(page.getByTestId('active-policy')).toHaveText('built-in base model');

  await page.getByTestId('start-round-button').click();
  const form = page.getByTestId('round-form');
  await expect(form).toBeVisible();
  // The project has no last-used config yet: the schema's defaults.
  expect(DEFAULTS.peft.method).toBe('full');
  await expect(page.getByTestId('round-field-method')).toHaveValue(DEFAULTS.method);
  await expect(page.getByTestId('round-field-epochs')).toHaveValue(String(DEFAULTS.epochs));
  // RL settings show for RL only.
  await page.getByTestId('round-field-method').selectOption('rl');
  await expect(page.getByTestId('round-field-rl.klCoef')).toHaveValue(String(DEFAULTS.rl.klCoef));
  await expect(page.getByTestId('round-field-peft.rank')).toHaveCount(0);

  await page.getByTestId('round-field-method').selectOption('dpo');
  await expect(page.getByTestId('round-field-rl.klCoef')).toHaveCount(0);
  await page.getByTestId('round-field-dpo.beta').fill('0.25');
  await page.getByTestId('round-field-peft.method').selectOption('lora');
  await page.getByTestId('round-field-peft.rank').fill('4');
  await page.getByTestId('round-field-peft.targets-k').check();
  await page.getByTestId('round-field-checkpointName').fill('e2e-dpo');

  // Browser-side validation with the server's schema: the message sits next to the field, nothing is sent.
  await page.getByTestId('round-field-epochs').fill('many');
  await page.getByTestId('round-form-submit').click();
  await expect(page.getByTestId('round-field-epochs-error')).toHaveText('Enter a number');
  await page.getByTestId('round-field-epochs').fill('500');
  await expect(page.getByTestId('round-field-epochs-error')).toBeVisible();
  const { rows: none } = await database.query(`SELECT id FROM "TrainingRun" WHERE "projectId" = $1`, [projectId]);
  expect(none).toHaveLength(0);

  await page.getByTestId('round-field-epochs').fill('7');
  await expect(page.getByTestId('round-field-epochs-error')).toHaveCount(0);
  await page.getByTestId('round-form-submit').click();
  await expect(form).toBeHidden();
  await expect(page.getByTestId('round-status-1')).toHaveText('Queued');

  const { rows } = await database.query<{ config: Record<string, unknown>; trigger: string; jobStatus: string; kind: string; payload: { runId: number }; runId: number }>(
    `SELECT r.id AS "runId", r.config, r.trigger, j.status AS "jobStatus", j.kind, j.payload FROM "TrainingRun" r JOIN "Job" j ON j.id = r."jobId" WHERE r."projectId" = $1`,
    [projectId],
  );
  expect(rows).toHaveLength(1);
  const [run] = rows;
  expect(run.jobStatus).toBe('QUEUED');
  expect(run.kind).toBe('training_round');
  expect(run.payload).toEqual({ runId: run.runId });
  expect(run.trigger).toBe('manual');
  expect(run.config).toMatchObject({
    method: 'dpo',
    epochs: 7,
    checkpointName: 'e2e-dpo',
    dpo: { beta: 0.25 },
    peft: { method: 'lora', rank: 4, alpha: 16, dropout: 0.05, targets: ['q', 'k', 'v'] },
    learningRate: DEFAULTS.learningRate,
    batchSize: DEFAULTS.batchSize,
    reward: DEFAULTS.reward,
  });
});

test('[ADMIN] cancels a queued round', async ({ page, e2e, database }) => {
  await signIn(page, e2e.adminEmail, e2e.adminPassword, /\/admin$/);
  await page.goto(trainingUrl());
  await expect(page.getByTestId('round-status-1')).toHaveText('Queued');
  await page.getByTestId('round-cancel-1').click();
  await expect(page.getByTestId('round-status-1')).toHaveText('Cancelled');
  await expect(page.getByTestId('round-cancel-1')).toHaveCount(0);
  await expect(page.getByTestId('round-error-1')).toHaveText('Cancelled before it started');
  const { rows } = await database.query<{ status: string; jobStatus: string }>(
    `SELECT r.status, j.status AS "jobStatus" FROM "TrainingRun" r JOIN "Job" j ON j.id = r."jobId" WHERE r."projectId" = $1 AND r.number = 1`,
    [projectId],
  );
  expect(rows).toEqual([{ status: 'CANCELLED', jobStatus: 'CANCELLED' }]);

  // The next form opens with the last-used values.
  await page.getByTestId('start-round-button').click();
  await expect(page.getByTestId('round-field-method')).toHaveValue('dpo');
  await expect(page.getByTestId('round-field-peft.rank')).toHaveValue('4');
});

/** A finished round as the trainer writes it, with one registered policy. */
async function insertFinishedRound(database: pg.Client, options: { number: number; policyName: string; judge: number; reward: number; loss: number; answer: string }) {
  const curves = {
    'reward/loss': [
      [1, 0.69],
      [2, 0.55],
      [3, options.loss],
    ],
    'reward/accuracy': [
      [1, 0.5],
      [3, 0.7],
    ],
    'policy/loss': [
      [1, 2.1],
      [2, 1.9],
      [3, 1.7],
    ],
    'objective/kl': [
      [1, 0],
      [2, 0.02],
      [3, 0.05],
    ],
  };
  const metrics = {
    snapshot: { annotations: 40, trainPairs: 30, heldoutPairs: 10, contentHash: `e2e${'0'.repeat(61)}` },
    reward: { accuracy: 0.7, margin: 0.4, loss: options.loss },
    policy: { loss: 1.7 },
    evaluate: {
      'eval/judge_new': options.judge,
      'eval/judge_previous': 0.5,
      samples: [{ prompt: 'What is 2 + 2?', previousCompletion: 'five', newCompletion: options.answer, previousJudge: 0, newJudge: 1 }],
    },
    seconds: { snapshot: 1, reward: 12, policy: 30, evaluate: 5, register: 1 },
  };
  const stage = { step: 1, total: 1, startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:01.000Z', etaSeconds: null };
  const stages = { snapshot: stage, reward: stage, policy: stage, evaluate: stage, register: stage };
  const { rows: runRows } = await database.query<{ id: number }>(
    `INSERT INTO "TrainingRun" ("projectId", number, config, status, trigger, stages, curves, metrics, "startedAt", "finishedAt")
     VALUES ($1, $2, $3, 'SUCCEEDED', 'manual', $4, $5, $6, now() - interval '2 minutes', now()) RETURNING id`,
    [projectId, options.number, JSON.stringify({ method: 'rl', peft: { method: 'full' } }), JSON.stringify(stages), JSON.stringify(curves), JSON.stringify(metrics)],
  );
  const runId = runRows[0].id;
  const { rows: versionRows } = await database.query<{ id: number }>(
    `INSERT INTO "ModelVersion" ("projectId", kind, name, status, "runId", config, metrics, "artifactPath", format, "sizeBytes")
     VALUES ($1, 'POLICY', $2, 'CANDIDATE', $3, '{}', $4, $5, 'full', 3500000) RETURNING id`,
    [projectId, options.policyName, runId, JSON.stringify({ 'eval/judge_new': options.judge, 'eval/reward_new': options.reward, 'policy/loss': 1.7 }), `models/e2e/run-${runId}/policy`],
  );
  return { runId, versionId: versionRows[0].id };
}

test('[ADMIN] reads a finished round, compares two versions and promotes the second', async ({ page, e2e, database }) => {
  const first = await insertFinishedRound(database, { number: 2, policyName: `e2e-policy-a-${suffix}`, judge: 0.62, reward: 0.3, loss: 0.45, answer: 'four' });
  const second = await insertFinishedRound(database, { number: 3, policyName: `e2e-policy-b-${suffix}`, judge: 0.71, reward: 0.45, loss: 0.4, answer: '4' });

  await signIn(page, e2e.adminEmail, e2e.adminPassword, /\/admin$/);
  await page.goto(trainingUrl());
  await expect(page.getByTestId('round-status-2')).toHaveText('Succeeded');

  // The round's curves, metrics, snapshot and samples.
  await page.getByTestId('round-open-2').click();
  const detail = page.getByTestId('round-detail');
  await expect(detail).toBeVisible();
  for (const name of ['reward/loss', 'reward/accuracy', 'policy/loss', 'objective/kl']) {
    const chart = detail.getByTestId(`curve-chart-${name}`);
    await expect(chart).toBeVisible();
    await expect(chart.locator('path.recharts-line-curve')).toHaveCount(1);
  }
  await expect(detail.getByTestId('curve-chart-reward/loss')).toHaveAttribute('data-points', '3');
  await expect(detail.getByTestId('metric-reward.accuracy')).toContainText('0.7');
  await expect(detail.getByTestId('metric-evaluate.eval/judge_new')).toContainText('0.62');
  await expect(detail.getByTestId('round-snapshot-hash')).toContainText('e2e000');
  await expect(detail.getByTestId('eval-samples')).toContainText('What is 2 + 2?');
  await expect(detail.getByTestId('eval-samples')).toContainText('five');
  await expect(detail.getByTestId('round-stage-register')).toBeVisible();

  // Compare: metrics with the difference, both rounds' curves overlaid, both answers to the shared prompt.
  await expect(page.getByTestId('compare-button')).toBeDisabled();
  await page.getByTestId(`version-select-${first.versionId}`).check();
  await page.getByTestId(`version-select-${second.versionId}`).check();
  await page.getByTestId('compare-button').click();
  const compare = page.getByTestId('version-compare');
  await expect(compare).toBeVisible();
  await expect(compare.getByTestId('compare-difference-eval/judge_new')).toHaveText('+0.09');
  await expect(compare.getByTestId('compare-difference-eval/reward_new')).toHaveText('+0.15');
  await expect(compare.getByTestId('curve-chart-reward/loss').locator('path.recharts-line-curve')).toHaveCount(2);
  await expect(compare.getByTestId('compare-samples')).toContainText('four');
  await expect(compare.getByTestId('compare-samples')).toContainText('4');
  await expect(page.getByTestId('versions-chart')).toBeVisible();

  // Promote the second through the confirm dialog.
  await page.getByTestId(`promote-${second.versionId}`).click();
  await expect(page.getByTestId('promote-dialog')).toBeVisible();
  await page.getByTestId('promote-dialog-confirm').click();
  await expect(page.getByTestId(`version-status-${second.versionId}`)).toHaveText('Active');
  await expect(page.getByTestId('active-policy')).toHaveText(`e2e-policy-b-${suffix}`);
  await expect(page.getByTestId(`promote-${first.versionId}`)).toHaveText('Roll back to this');
  const { rows } = await database.query<{ activePolicyId: number | null }>(`SELECT "activePolicyId" FROM "Project" WHERE id = $1`, [projectId]);
  expect(rows[0].activePolicyId).toBe(second.versionId);
});

test('[ADMIN] queues a generate job and cancels it from the workers page', async ({ page, e2e, database }) => {
  await signIn(page, e2e.adminEmail, e2e.adminPassword, /\/admin$/);
  await page.goto(trainingUrl());
  await page.getByTestId('generate-tasks-button').click();
  const jobRow = page.locator('[data-testid^="training-job-"]').first();
  await expect(jobRow).toHaveAttribute('data-status', 'QUEUED');
  const jobId = Number((await jobRow.getAttribute('data-testid'))?.replace('training-job-', ''));

  await page.getByTestId('nav-workers').click();
  await expect(page).toHaveURL(/\/admin\/workers$/);
  await expect(page.getByTestId('no-workers')).toBeVisible();
  await expect(page.getByTestId(`queued-job-${jobId}`)).toBeVisible();
  await page.getByTestId(`job-cancel-${jobId}`).click();
  await expect(page.getByTestId(`queued-job-${jobId}`)).toHaveCount(0);
  const { rows } = await database.query<{ status: string }>(`SELECT status FROM "Job" WHERE id = $1`, [jobId]);
  expect(rows[0].status).toBe('CANCELLED');
});

test('[ADMIN] starts a round on majority labels with a minimum agreement, weighted; the round page names the options its snapshot used', async ({ page, request, e2e, database }) => {
  await signInByApi(request, e2e, e2e.adminEmail, e2e.adminPassword);
  const pairwise = { questions: [{ id: 'preference', type: 'pairwise', label: 'Which response is better?' }] };
  const project = await callMutation<{ id: number }>(request, 'projects.create', { name: `E2E training data ${suffix}`, form: pairwise, completionsPerTask: 2, overlap: 3 });
  await signIn(page, e2e.adminEmail, e2e.adminPassword, /\/admin$/);
  await page.goto(`/admin/projects/${project.id}?tab=training`);
  await page.getByTestId('start-round-button').click();
  const data = page.getByTestId('round-data-fields');
  // The snapshot form's options, in its words; the defaults are today's rounds: every answer, no minimum, unweighted.
  for (const words of ['Every answer', 'Majority vote', 'Dawid-Skene consensus', 'Minimum agreement (%)', 'Weight by confidence']) await expect(data).toContainText(words);
  await expect(page.getByTestId('round-field-label-all')).toBeChecked();
  await expect(page.getByTestId('round-field-minAgreement')).toHaveValue('');
  await expect(page.getByTestId('round-field-weightByConfidence')).not.toBeChecked();

  await page.getByTestId('round-field-label-majority').check();
  await page.getByTestId('round-field-minAgreement').fill('150');
  await page.getByTestId('round-form-submit').click();
  await expect(page.getByTestId('round-field-minAgreement-error')).toHaveText('The minimum agreement must be between 0 and 1 (0-100%)');
  await page.getByTestId('round-field-minAgreement').fill('60');
  await page.getByTestId('round-field-weightByConfidence').check();
  await page.getByTestId('round-form-submit').click();
  await expect(page.getByTestId('round-form')).toBeHidden();
  await expect(page.getByTestId('round-status-1')).toHaveText('Queued');
  const { rows } = await database.query<{ id: number; config: Record<string, unknown> }>(`SELECT id, config FROM "TrainingRun" WHERE "projectId" = $1`, [project.id]);
  expect(rows).toHaveLength(1);
  expect(rows[0].config).toMatchObject({ labelSource: 'majority', minAgreement: 0.6, weightByConfidence: true });

  // The snapshot a worker would take with those options (its stored filters, as createSnapshot writes them).
  const filters = {
    status: 'SUBMITTED',
    before: '2026-01-01T00:00:00.000Z',
    minAgreement: 0.6,
    agreementQuestionId: 'preference',
    labelSource: 'majority',
    weightByConfidence: true,
    weightQuestionId: 'preference',
    split: { mode: 'prompt' },
  };
  const { rows: snapshotRows } = await database.query<{ id: number }>(`INSERT INTO "DatasetSnapshot" ("projectId", filters, counts, "contentHash") VALUES ($1, $2, $3, $4) RETURNING id`, [
    project.id,
    JSON.stringify(filters),
    JSON.stringify({ annotations: 0 }),
    'e2e111'.padEnd(64, '0'),
  ]);
  await database.query(`UPDATE "TrainingRun" SET "snapshotId" = $1 WHERE id = $2`, [snapshotRows[0].id, rows[0].id]);
  await page.reload();
  await page.getByTestId('round-open-1').click();
  await expect(page.getByTestId('round-detail').getByTestId('round-snapshot-data')).toHaveText('Majority vote, agreement ≥ 60%, weighted');
});

test('[ANNOTATOR] is refused the training tab and its API', async ({ page, request, e2e }) => {
  await signIn(page, annotator.email, annotator.password, /\/annotate$/);
  await page.goto(trainingUrl());
  await expect(page.getByTestId('not-allowed')).toBeVisible();
  await expect(page.getByTestId('training-tab')).toHaveCount(0);

  await signInByApi(request, e2e, annotator.email, annotator.password);
  const input = encodeURIComponent(JSON.stringify({ json: { projectId } }));
  const response = await request.get(`/api/trpc/training.overview?input=${input}`);
  expect(response.status()).toBe(403);
  await expect(callMutation(request, 'training.startRound', { projectId, config: {} })).rejects.toThrow(/403/);
});
