/**
 * The arena leaderboard on the Training tab: two versions with 10 blind votes (7 to 3) written
 * into the database as the arena job and annotators would have, and a third version in no arena.
 * The admin sees each version's arena score beside its offline metrics, the leaderboard and the
 * win-rate matrix, with numbers computed here by hand.
 */
import { randomBytes } from 'node:crypto';
import { test, expect, signIn, signInByApi, callMutation } from './fixtures';
import { insertArenaVotes } from './seed-answers';

const PAIRWISE = { questions: [{ id: 'preference', type: 'pairwise', label: 'Which response is better?' }] };
const suffix = randomBytes(3).toString('hex');

/**
 * The expected scores, by hand: with 7 wins to 3 and the fit's Gaussian prior (λ = 0.01), the
 * strengths are ±β where 7 − 10·σ(2β) = λβ (the likelihood's gradient); solved by bisection.
 * Scores are 1000 ± 400/ln10 · β, shown rounded.
 */
function expectedScores(): { strong: number; weak: number } {
  let low = 0;
  let high = 5;
  for (let i = 0; i < 100; i += 1) {
    const beta = (low + high) / 2;
    const gradient = 7 - 10 / (1 + Math.exp(-2 * beta)) - 0.01 * beta;
    if (gradient > 0) low = beta;
    else high = beta;
  }
  const points = (400 / Math.log(10)) * low;
  return { strong: Math.round(1000 + points), weak: Math.round(1000 - points) };
}

test('[ADMIN] sees each version’s arena score beside its metrics, the leaderboard and the win-rate matrix', async ({ page, request, e2e, database }) => {
  await signInByApi(request, e2e, e2e.adminEmail, e2e.adminPassword);
  const project = await callMutation<{ id: number }>(request, 'projects.create', { name: `E2E arena ${suffix}`, form: PAIRWISE, completionsPerTask: 2, overlap: 1 });
  const { rows: admins } = await database.query<{ id: string }>(`SELECT id FROM "user" WHERE email = $1`, [e2e.adminEmail]);
  const version = async (name: string, judged: number) => {
    const { rows } = await database.query<{ id: number }>(
      `INSERT INTO "ModelVersion" ("projectId", kind, name, config, metrics, "artifactPath", format, "sizeBytes") VALUES ($1, 'POLICY', $2, '{}', $3, $4, 'full', 1000) RETURNING id`,
      [project.id, name, JSON.stringify({ judgedQuality: judged }), `models/${name}`],
    );
    return rows[0].id;
  };
  const strong = await version(`strong-${suffix}`, 0.8);
  const weak = await version(`weak-${suffix}`, 0.6);
  const idle = await version(`idle-${suffix}`, 0.5);
  // Ten prompts, each answered by both versions and shown in both orders; the strong one wins prompts 0-6.
  await insertArenaVotes(database, { projectId: project.id, versionIds: [strong, weak], voterId: admins[0].id, votes: 10, firstWins: 7, label: 'E2E' });
  const expected = expectedScores();

  await signIn(page, e2e.adminEmail, e2e.adminPassword, /\/admin$/);
  await page.goto(`/admin/projects/${project.id}?tab=training`);

  // Beside the offline metrics: score (interval) · games; the idle version is in no arena.
  const strongCell = page.getByTestId(`arena-score-${strong}`);
  await expect(strongCell).toHaveText(new RegExp(`^${expected.strong} \\((\\d+)–(\\d+)\\) · 10 games$`));
  await expect(page.getByTestId(`arena-score-${weak}`)).toHaveText(new RegExp(`^${expected.weak} \\((\\d+)–(\\d+)\\) · 10 games$`));
  await expect(page.getByTestId(`arena-score-${idle}`)).toHaveText('not in an arena');
  const [, lower, upper] = ((await strongCell.textContent()) ?? '').match(/\((\d+)–(\d+)\)/) ?? [];
  expect(Number(lower)).toBeLessThan(expected.strong);
  expect(Number(upper)).toBeGreaterThan(expected.strong);
  await expect(page.getByTestId(`version-row-${strong}`)).toContainText('0.8');

  // The leaderboard: strong first, with its record; the matrix: 7 of 10 decisive votes = 70%.
  const leaderboard = page.getByTestId('arena-leaderboard');
  await expect(leaderboard).toContainText('10 votes');
  await expect(leaderboard.locator('tbody tr').first()).toHaveAttribute('data-testid', `arena-row-${strong}`);
  await expect(page.getByTestId(`arena-row-score-${strong}`)).toHaveText(String(expected.strong));
  await expect(page.getByTestId(`arena-row-score-${weak}`)).toHaveText(String(expected.weak));
  await expect(page.getByTestId(`arena-row-games-${strong}`)).toHaveText('10');
  await expect(page.getByTestId(`arena-cell-${strong}-${weak}`)).toContainText('70%');
  await expect(page.getByTestId(`arena-cell-${strong}-${weak}`)).toContainText('7–3');
  await expect(page.getByTestId(`arena-cell-${weak}-${strong}`)).toContainText('30%');
  await expect(page.getByTestId('arena-ci-chart')).toBeVisible();
  await expect(page.getByTestId('arena-list')).toContainText('E2E arena');
});
