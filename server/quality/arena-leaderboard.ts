/**
 * The arena leaderboard of a project: every policy version that took part in an arena, ranked by
 * its Bradley-Terry score with a 95% bootstrap interval, its wins, losses and ties, and the
 * win-rate matrix (row beats column).
 *
 * Fast at a million votes: PostgreSQL reduces the votes to one row per ordered pair of versions
 * (the first shown version, the second, and how many votes went A, B or tie) in one grouped
 * query; the fit and every bootstrap round then work on that small table (lib/stats/bradley-terry.ts),
 * never on the rows. A vote is a SUBMITTED annotation of an arena task (whose two completions come
 * from two different versions); "both bad" counts as a tie, as the public arenas count it;
 * skipped and flagged tasks are not votes.
 */
import { Prisma } from '../generated/prisma/client';
import { db } from '../db';
import { AppError } from '../errors';
import { bootstrapBradleyTerry } from '../../lib/stats/bradley-terry';
import { ZRatingForm } from '../../lib/forms/schema';

export const LEADERBOARD_BOOTSTRAP_ROUNDS = 1000;
export const LEADERBOARD_LEVEL = 0.95;
/** Fixed, so the same votes always give the same intervals. */
const BOOTSTRAP_SEED = 20_240_301;

export type LeaderboardVersion = {
  versionId: number;
  name: string;
  status: 'CANDIDATE' | 'ACTIVE' | 'ARCHIVED';
  /** 1 + the number of versions whose interval lies wholly above this one's (the arenas' rank); null without games. */
  rank: number | null;
  /** Elo-like: 1000 + (400 / ln 10) · β, the versions with games averaging 1000; null without games. */
  score: number | null;
  lower: number | null;
  upper: number | null;
  wins: number;
  losses: number;
  ties: number;
  games: number;
};

/** One cell of the matrix: the row version against the column version. */
export type MatrixCell = {
  wins: number;
  losses: number;
  ties: number;
  games: number;
  /** wins / (wins + losses): the share of decisive votes the row version won; null with none. */
  winRate: number | null;
};

export type ArenaLeaderboard = {
  projectId: number;
  votes: number;
  bootstrapRounds: number;
  level: number;
  /** Best first; versions with no votes yet last. */
  versions: LeaderboardVersion[];
  /** matrix[r][c]: versions[r] against versions[c]; null on the diagonal. */
  matrix: (MatrixCell | null)[][];
};

type PairRow = { a: number; b: number; choice: string | null; votes: number };

/** The id of the project form's first pairwise question (the one arena votes answer), or null. */
function pairwiseQuestionOf(form: unknown): string | null {
  const parsed = ZRatingForm.safeParse(form);
  if (!parsed.success) return null;
  return parsed.data.questions.find((q) => q.type === 'pairwise')?.id ?? null;
}

/**
 * Votes per ordered pair of versions (first shown, second shown) and answer, counted in the
 * database: one hash join of the project's annotations with its arena tasks, whose
 * `arenaVersionIds` name the versions in display order, grouped into at most V·(V−1)·4 rows.
 * A larger work_mem for this one transaction keeps the tasks' hash table in memory (the default
 * 4 MB spills a few hundred thousand tasks to disk and doubles the time). No predicate on the
 * array's length: the planner cannot estimate one, and its guess of a few rows picks a nested
 * loop 2-3x slower than the hash join (a task with fewer versions yields nulls, skipped below).
 */
async function countPairVotes(projectId: number, questionId: string): Promise<PairRow[]> {
  // An interactive transaction: SET LOCAL lasts until its end. The timeout is generous because a
  // busy server may take seconds over a million votes; the default 5 s would abort a slow count.
  return db.$transaction(
    async (tx) => {
      await tx.$executeRaw`SET LOCAL work_mem = '64MB'`;
      return tx.$queryRaw<PairRow[]>(Prisma.sql`
        SELECT t."arenaVersionIds"[1] AS a, t."arenaVersionIds"[2] AS b, an.answer -> ${questionId} ->> 'choice' AS choice, count(*)::int AS votes
        FROM "Annotation" an
        JOIN "Task" t ON t.id = an."taskId"
        WHERE an."projectId" = ${projectId}::int AND an.status = 'SUBMITTED'
          AND t."projectId" = ${projectId}::int AND t."arenaId" IS NOT NULL
        GROUP BY 1, 2, 3`);
    },
    { timeout: 120_000 },
  );
}

export async function arenaLeaderboard(projectId: number): Promise<ArenaLeaderboard> {
  const project = await db.project.findUnique({ where: { id: projectId }, select: { id: true, form: true } });
  if (!project) throw new AppError('NOT_FOUND', `No project ${projectId}`);
  const questionId = pairwiseQuestionOf(project.form);
  const [rows, arenas] = await Promise.all([questionId ? countPairVotes(projectId, questionId) : Promise.resolve([]), db.arena.findMany({ where: { projectId }, select: { versionIds: true } })]);

  // Every version of an arena is listed, with or without votes; and any version that has votes.
  const ids = [...new Set([...arenas.flatMap((a) => a.versionIds), ...rows.flatMap((r) => [r.a, r.b])])].filter((id): id is number => typeof id === 'number');
  const versionRows = await db.modelVersion.findMany({ where: { id: { in: ids }, projectId }, select: { id: true, name: true, status: true } });
  const known = versionRows.map((v) => v.id);
  const index = new Map(known.map((id, i) => [id, i]));
  const n = known.length;
  const wins = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const ties = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  let votes = 0;
  for (const row of rows) {
    const a = index.get(row.a);
    const b = index.get(row.b);
    if (a === undefined || b === undefined || a === b) continue;
    // A is the first completion shown; "both bad" is a tie, as the public arenas count it.
    if (row.choice === 'A') wins[a][b] += row.votes;
    else if (row.choice === 'B') wins[b][a] += row.votes;
    else if (row.choice === 'tie' || row.choice === 'both_bad') {
      ties[a][b] += row.votes;
      ties[b][a] += row.votes;
    } else continue; // a form whose pairwise question was left unanswered
    votes += row.votes;
  }

  // Fit only the versions with games: one with none has no evidence, and would read as "average".
  const games = known.map((_, i) => wins[i].reduce((s, w, j) => s + w + wins[j][i] + ties[i][j], 0));
  const played = known.flatMap((_, i) => (games[i] > 0 ? [i] : []));
  const fit =
    played.length >= 2
      ? bootstrapBradleyTerry(
          { wins: played.map((i) => played.map((j) => wins[i][j])), ties: played.map((i) => played.map((j) => ties[i][j])) },
          { rounds: LEADERBOARD_BOOTSTRAP_ROUNDS, level: LEADERBOARD_LEVEL, seed: BOOTSTRAP_SEED },
        )
      : null;
  const slot = new Map(played.map((i, k) => [i, k]));

  const entries = versionRows.map((version, i) => {
    const k = slot.get(i);
    const losses = wins.reduce((s, row) => s + row[i], 0);
    const won = wins[i].reduce((s, w) => s + w, 0);
    const tied = ties[i].reduce((s, t) => s + t, 0);
    return {
      i,
      versionId: version.id,
      name: version.name,
      status: version.status,
      rank: null as number | null,
      score: fit && k !== undefined ? fit.scores[k] : null,
      lower: fit && k !== undefined ? fit.lower[k] : null,
      upper: fit && k !== undefined ? fit.upper[k] : null,
      wins: won,
      losses,
      ties: tied,
      games: games[i],
    };
  });
  for (const entry of entries) {
    if (entry.score === null || entry.upper === null) continue;
    const upper = entry.upper;
    entry.rank = 1 + entries.filter((other) => other.lower !== null && other.lower > upper).length;
  }
  entries.sort((x, y) => (y.score ?? Number.NEGATIVE_INFINITY) - (x.score ?? Number.NEGATIVE_INFINITY) || x.versionId - y.versionId);

  const matrix = entries.map((row) =>
    entries.map((column): MatrixCell | null => {
      if (row.i === column.i) return null;
      const w = wins[row.i][column.i];
      const l = wins[column.i][row.i];
      const t = ties[row.i][column.i];
      return { wins: w, losses: l, ties: t, games: w + l + t, winRate: w + l > 0 ? w / (w + l) : null };
    }),
  );
  return {
    projectId,
    votes,
    bootstrapRounds: fit ? LEADERBOARD_BOOTSTRAP_ROUNDS : 0,
    level: LEADERBOARD_LEVEL,
    versions: entries.map(({ i: _i, ...entry }) => entry),
    matrix,
  };
}
