/**
 * Gold tasks in the queue: findNextTask calls pickGoldTask first.
 *
 * - A project with no gold tasks (and nobody paused) costs nothing: its gold task ids are cached
 *   per process for a few seconds (CACHE_MS), and the admin's changes drop the entry at once.
 * - Otherwise one query reads my state: a pause in force (then the queue answers with the
 *   paused message instead of a task), a gold task I still hold (given back, as the claim gives
 *   back any lease), my queue cursor, and where I last got a gold task.
 * - Mixing: after each regular task leased (the cursor moves to it), the next slot is gold with
 *   probability p = rate / (1 - rate), decided by a hash of (me, cursor): deterministic per
 *   annotator and position, so over n tasks the share of gold is close to `rate`. Once a gold task
 *   is served at a cursor, that cursor gives no other.
 * - Gold tasks never come out of the regular scan: their ids go to the claim as excluded ids, so
 *   they appear only here, at the configured rate. They look like any other task: the same
 *   TaskView, built by the same columns (task-view.ts).
 */
import { db } from '../../db';
import { AppError } from '../../errors';
import { hotPathQuery } from '../../hot-path-sql';
import { NOW_UTC_TEXT, TASK_VIEW_COLUMNS_TEXT, toTaskView, type TaskView, type TaskViewRow } from '../task-view';

/** How long a process trusts its copy of a project's gold task ids. */
const CACHE_MS = 5_000;
/** Above this many gold tasks only the first ones are mixed in (the exclusion list stays short). */
const MAX_GOLD_TASKS = 1_000;

type GoldInfo = { goldTaskIds: number[]; mixRate: number; hasPauses: boolean; loadedAt: number };
const cache = new Map<number, GoldInfo>();

export type GoldPick = { task: TaskView | null; hiddenTaskIds: number[] };
const NO_GOLD: GoldPick = { task: null, hiddenTaskIds: [] };

/** Drops the cached gold state of a project (after an admin changes its gold tasks or settings, or resumes someone). */
export function forgetGoldInfo(projectId: number): void {
  cache.delete(projectId);
}

async function loadGoldInfo(projectId: number): Promise<GoldInfo> {
  const cached = cache.get(projectId);
  if (cached && Date.now() - cached.loadedAt < CACHE_MS) return cached;
  const [row] = await db.$queryRaw<{ ids: number[] | null; mixRate: number | null; hasPauses: boolean }[]>`
    SELECT (SELECT array_agg(x."taskId") FROM (SELECT g."taskId" FROM "GoldTask" g WHERE g."projectId" = ${projectId}::int ORDER BY g."taskId" LIMIT ${MAX_GOLD_TASKS}) x) AS ids,
      (SELECT s."mixRate" FROM "GoldSettings" s WHERE s."projectId" = ${projectId}::int) AS "mixRate",
      EXISTS (SELECT 1 FROM "AnnotatorPause" p WHERE p."projectId" = ${projectId}::int AND p."clearedAt" IS NULL) AS "hasPauses"`;
  const info: GoldInfo = { goldTaskIds: row?.ids ?? [], mixRate: row?.mixRate ?? DEFAULT_MIX_RATE, hasPauses: row?.hasPauses ?? false, loadedAt: Date.now() };
  cache.set(projectId, info);
  return info;
}

/**
 * Whether the project mixes gold tasks in (or has someone paused): then the next task must come
 * from findNextTask (which calls pickGoldTask), not from a claim made alongside a submit. Cached.
 */
export async function hasGoldMixing(projectId: number): Promise<boolean> {
  const info = await loadGoldInfo(projectId);
  return info.goldTaskIds.length > 0 || info.hasPauses;
}

export const DEFAULT_MIX_RATE = 0.1;
export const DEFAULT_ACCURACY_THRESHOLD = 0.8;
export const DEFAULT_MIN_GOLD_ANSWERS = 5;

/** What a paused annotator's queue says. It names no task: which tasks were checks stays hidden. */
export function pausedMessage(threshold: number): string {
  return `Paused: your answers on check tasks fell below ${Math.round(threshold * 100)}%. An admin will review your work and resume you.`;
}

/** A 32-bit hash of a string (FNV-1a, then mixed), as a number in [0, 1). */
function unitHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  // MurmurHash3's finaliser: FNV alone leaves the top bits nearly linear in the last character,
  // so consecutive positions would cluster instead of spreading over [0, 1).
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 2 ** 32;
}

/** Whether the slot after regular task `cursor` is a gold one for this annotator. */
export function isGoldSlot(userId: string, cursor: number, mixRate: number): boolean {
  if (mixRate <= 0) return false;
  const perRegularTask = mixRate >= 0.5 ? 1 : mixRate / (1 - mixRate);
  return unitHash(`${userId}:${cursor}`) < perRegularTask;
}

// The three statements of a gold project's queue run on the hot-path pool (server/hot-path-sql.ts):
// they sit on every queue.next and submitAndNext of such a project.
const GOLD_STATE_SQL = `
  SELECT
    EXISTS (SELECT 1 FROM "AnnotatorPause" p WHERE p."userId" = $1 AND p."projectId" = $2::int AND p."clearedAt" IS NULL) AS "isPaused",
    (SELECT s."accuracyThreshold" FROM "GoldSettings" s WHERE s."projectId" = $2::int) AS threshold,
    (SELECT min(a."taskId") FROM "Assignment" a
      WHERE a."userId" = $1 AND a."projectId" = $2::int AND a."taskId" = ANY($3::int[]) AND a."expiresAt" > ${NOW_UTC_TEXT}
        AND NOT (a."taskId" = ANY($4::int[]))
        AND NOT EXISTS (SELECT 1 FROM "Annotation" an WHERE an."taskId" = a."taskId" AND an."userId" = $1)) AS "heldGoldTaskId",
    (SELECT c."lastTaskId" FROM "QueueCursor" c WHERE c."userId" = $1 AND c."projectId" = $2::int) AS cursor,
    (SELECT g."lastGoldAtCursor" FROM "GoldQueueState" g WHERE g."userId" = $1 AND g."projectId" = $2::int) AS "lastGoldAtCursor"`;

const RENEW_HELD_GOLD_SQL = `
  WITH l AS (
    UPDATE "Assignment" a SET "expiresAt" = ${NOW_UTC_TEXT} + make_interval(secs => p."leaseSeconds")
    FROM "Project" p WHERE p.id = a."projectId" AND a."taskId" = $1::int AND a."userId" = $2
    RETURNING a."taskId", a."expiresAt"
  )
  SELECT ${TASK_VIEW_COLUMNS_TEXT} FROM l JOIN "Task" t ON t.id = l."taskId" JOIN "Prompt" pr ON pr.id = t."promptId"`;

/** A gold task I have not answered, in an order of my own (a hash of me and the task), leased, and the cursor marked. */
const LEASE_GOLD_SQL = `
  WITH pick AS (
    SELECT t.id, p."leaseSeconds" FROM "Task" t JOIN "Project" p ON p.id = t."projectId"
    WHERE t.id = ANY($3::int[]) AND t."projectId" = $2::int AND t."isGold" AND t.status = 'OPEN'
      AND NOT (t.id = ANY($4::int[]))
      AND NOT EXISTS (SELECT 1 FROM "Annotation" an WHERE an."taskId" = t.id AND an."userId" = $1)
    ORDER BY md5($1 || ':' || t.id::text)
    LIMIT 1
  ),
  l AS (
    INSERT INTO "Assignment" ("taskId", "projectId", "userId", "leasedAt", "expiresAt")
    SELECT pick.id, $2::int, $1, ${NOW_UTC_TEXT}, ${NOW_UTC_TEXT} + make_interval(secs => pick."leaseSeconds") FROM pick
    ON CONFLICT ("taskId", "userId") DO UPDATE SET "leasedAt" = excluded."leasedAt", "expiresAt" = excluded."expiresAt"
    RETURNING "taskId", "expiresAt"
  ),
  marked AS (
    INSERT INTO "GoldQueueState" ("userId", "projectId", "lastGoldAtCursor")
    SELECT $1, $2::int, $5::int FROM pick
    ON CONFLICT ("userId", "projectId") DO UPDATE SET "lastGoldAtCursor" = excluded."lastGoldAtCursor"
  )
  SELECT ${TASK_VIEW_COLUMNS_TEXT} FROM l JOIN "Task" t ON t.id = l."taskId" JOIN "Prompt" pr ON pr.id = t."promptId"`;

type StateRow = { isPaused: boolean; threshold: number | null; heldGoldTaskId: number | null; cursor: number | null; lastGoldAtCursor: number | null };

export async function pickGoldTask(options: { userId: string; projectId: number; excludeTaskIds: number[] }): Promise<GoldPick> {
  const { userId, projectId, excludeTaskIds } = options;
  const info = await loadGoldInfo(projectId);
  if (info.goldTaskIds.length === 0 && !info.hasPauses) return NO_GOLD;
  const gold = info.goldTaskIds;

  const [state] = await hotPathQuery<StateRow>(GOLD_STATE_SQL, [userId, projectId, gold, excludeTaskIds]);
  if (state.isPaused) {
    // The details let the rating page show its paused panel without reading the message: the
    // project's threshold only, nothing about which tasks were checks or how many.
    const accuracyThreshold = state.threshold ?? DEFAULT_ACCURACY_THRESHOLD;
    throw new AppError('CONFLICT', pausedMessage(accuracyThreshold), { paused: true, accuracyThreshold });
  }
  if (gold.length === 0) return NO_GOLD;
  const hidden: GoldPick = { task: null, hiddenTaskIds: gold };

  if (state.heldGoldTaskId !== null) {
    const rows = await hotPathQuery<TaskViewRow>(RENEW_HELD_GOLD_SQL, [state.heldGoldTaskId, userId]);
    if (rows[0]) return { task: toTaskView(rows[0]), hiddenTaskIds: gold };
  }

  const cursor = state.cursor ?? 0;
  if (state.lastGoldAtCursor === cursor || !isGoldSlot(userId, cursor, info.mixRate)) return hidden;
  const rows = await hotPathQuery<TaskViewRow>(LEASE_GOLD_SQL, [userId, projectId, gold, excludeTaskIds, cursor]);
  return rows[0] ? { task: toTaskView(rows[0]), hiddenTaskIds: gold } : hidden;
}
