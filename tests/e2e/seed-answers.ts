/**
 * Rows written straight into the e2e database for pages that show work done by many people
 * (the Quality and Gold tabs, the arena leaderboard): what several annotators, or an arena job and
 * its voters, would have written. The app's own procedures create the projects and tasks; these
 * add only what no single browser session can produce quickly. The database's triggers run as
 * usual (a gold answer is scored, and pauses its author below the project's threshold).
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';

export type PairwiseChoice = 'A' | 'B' | 'tie';

/** Accounts without a password (they cannot sign in): raters whose answers the pages show. */
export async function insertRaters(database: pg.Client, raters: { id: string; name: string }[]): Promise<void> {
  for (const rater of raters) {
    await database.query(`INSERT INTO "user" (id, name, email, "emailVerified", role, "createdAt", "updatedAt") VALUES ($1, $2, $3, true, 'annotator', now(), now())`, [
      rater.id,
      rater.name,
      `${rater.id}@example.test`,
    ]);
  }
}

/** Submitted pairwise answers ({ preference: { type: 'pairwise', choice } }), an hour old. */
export async function insertPairwiseAnswers(database: pg.Client, projectId: number, answers: { taskId: number; userId: string; choice: PairwiseChoice; timeSpentMs: number }[]): Promise<void> {
  for (const answer of answers) {
    await database.query(
      `INSERT INTO "Annotation" ("clientId", "taskId", "projectId", "userId", status, answer, "timeSpentMs", "createdAt")
       VALUES ($1, $2, $3, $4, 'SUBMITTED', $5::jsonb, $6, now() - interval '1 hour')`,
      [randomUUID(), answer.taskId, projectId, answer.userId, JSON.stringify({ preference: { type: 'pairwise', choice: answer.choice } }), answer.timeSpentMs],
    );
  }
}

/**
 * An arena between two policy versions of the project: `votes` prompts, each answered by both and
 * voted on once by `voterId` (the first version wins the first `firstWins` prompts). Returns the
 * two version ids, first the one that wins more.
 */
export async function insertArena(database: pg.Client, options: { projectId: number; voterId: string; votes: number; firstWins: number; label: string }): Promise<[number, number]> {
  const { projectId, label } = options;
  const version = async (name: string) => {
    const { rows } = await database.query<{ id: number }>(
      `INSERT INTO "ModelVersion" ("projectId", kind, name, config, metrics, "artifactPath", format, "sizeBytes") VALUES ($1, 'POLICY', $2, '{}', '{}', $3, 'full', 1000) RETURNING id`,
      [projectId, name, `models/${name}`],
    );
    return rows[0].id;
  };
  const versionIds: [number, number] = [await version(`${label}-first`), await version(`${label}-second`)];
  await insertArenaVotes(database, { ...options, versionIds });
  return versionIds;
}

/**
 * An arena named "<label> arena" between two existing versions: `votes` prompts, each answered by
 * both, shown in both orders by turns, and voted on once by `voterId` (the first version wins the
 * first `firstWins` prompts).
 */
export async function insertArenaVotes(
  database: pg.Client,
  options: { projectId: number; versionIds: [number, number]; voterId: string; votes: number; firstWins: number; label: string },
): Promise<void> {
  const { projectId, voterId, votes, firstWins, label } = options;
  const [first, second] = options.versionIds;
  const { rows: arenas } = await database.query<{ id: number }>(`INSERT INTO "Arena" ("projectId", name, "versionIds", settings) VALUES ($1, $2, $3, '{}') RETURNING id`, [
    projectId,
    `${label} arena`,
    [first, second],
  ]);
  for (let p = 0; p < votes; p += 1) {
    const { rows: prompts } = await database.query<{ id: number }>(`INSERT INTO "Prompt" ("projectId", text, split) VALUES ($1, $2, 'HELDOUT') RETURNING id`, [
      projectId,
      `${label} arena question ${p}`,
    ]);
    const answer = async (versionId: number, who: string) => {
      const { rows } = await database.query<{ id: number }>(`INSERT INTO "Completion" ("promptId", text, source, "modelVersionId") VALUES ($1, $2, 'MODEL', $3) RETURNING id`, [
        prompts[0].id,
        `${who} answer ${p}`,
        versionId,
      ]);
      return rows[0].id;
    };
    const firstAnswer = await answer(first, 'First');
    const secondAnswer = await answer(second, 'Second');
    // Shown in both orders, so the votes carry no position bias.
    const isFirstShownFirst = p % 2 === 0;
    const { rows: tasks } = await database.query<{ id: number }>(
      `INSERT INTO "Task" ("projectId", "promptId", "completionIds", "arenaVersionIds", "arenaId", status, "submittedCount") VALUES ($1, $2, $3, $4, $5, 'DONE', 1) RETURNING id`,
      [projectId, prompts[0].id, isFirstShownFirst ? [firstAnswer, secondAnswer] : [secondAnswer, firstAnswer], isFirstShownFirst ? [first, second] : [second, first], arenas[0].id],
    );
    const isFirstWinner = p < firstWins;
    await insertPairwiseAnswers(database, projectId, [{ taskId: tasks[0].id, userId: voterId, choice: isFirstWinner === isFirstShownFirst ? 'A' : 'B', timeSpentMs: 5000 }]);
  }
}
