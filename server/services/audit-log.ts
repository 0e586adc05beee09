/**
 * The audit log: who changed which account (or key), and when. A row is written inside the
 * transaction of the change it records, so there is never a change without its row nor a row
 * without its change.
 *
 * `details` never holds secrets, nor personal data (no names, no emails): removing a person's
 * data pseudonymises their user row, and the log shows names by joining that row, so the log
 * then shows the pseudonym too.
 */
import type { Prisma } from '../generated/prisma/client';
import { db } from '../db';

export type AuditAction =
  | 'user.create'
  | 'user.disable'
  | 'user.enable'
  | 'user.reset-password'
  | 'user.set-role'
  | 'user.remove-personal-data'
  | 'api-key.create'
  | 'api-key.revoke'
  | 'gold.mark'
  | 'gold.unmark'
  | 'gold.settings'
  | 'annotator.resume';

export type AuditDetails = Record<string, string | number | boolean | null>;

/** Writes one row inside the caller's transaction. */
export async function writeAuditLog(tx: Prisma.TransactionClient, entry: { actorId: string | null; action: AuditAction; targetId: string | null; details?: AuditDetails }) {
  await tx.auditLog.create({ data: { actorId: entry.actorId, action: entry.action, targetId: entry.targetId, details: entry.details ?? {} }, select: { id: true } });
}

const auditLogSelect = { id: true, actorId: true, action: true, targetId: true, details: true, createdAt: true } satisfies Prisma.AuditLogSelect;

export type AuditLogEntry = {
  id: number;
  action: string;
  createdAt: Date;
  details: AuditDetails;
  actor: { id: string; name: string } | null;
  /** The target's id, and its name when the target is a user. */
  target: { id: string; name: string | null } | null;
};

/**
 * Newest first, `limit` rows after `cursor` (the id of the last row of the previous page). The
 * id orders the rows: it grows with every insert, where two rows may share a createdAt.
 */
export async function listAuditLog(options: { cursor?: number; limit: number }): Promise<{ items: AuditLogEntry[]; nextCursor: number | null }> {
  const rows = await db.auditLog.findMany({
    where: options.cursor === undefined ? {} : { id: { lt: options.cursor } },
    orderBy: { id: 'desc' },
    take: options.limit + 1,
    select: auditLogSelect,
  });
  const page = rows.slice(0, options.limit);
  const userIds = [...new Set(page.flatMap((row) => [row.actorId, row.targetId]).filter((id): id is string => id !== null))];
  const users = await db.user.findMany({ where: { id: { in: userIds } }, select: { id: true, name: true } });
  const nameById = new Map(users.map((user) => [user.id, user.name]));
  const items = page.map((row) => ({
    id: row.id,
    action: row.action,
    createdAt: row.createdAt,
    details: toAuditDetails(row.details),
    actor: row.actorId === null ? null : { id: row.actorId, name: nameById.get(row.actorId) ?? row.actorId },
    target: row.targetId === null ? null : { id: row.targetId, name: nameById.get(row.targetId) ?? null },
  }));
  return { items, nextCursor: rows.length > options.limit ? page[page.length - 1].id : null };
}

/** The flat key/value details every writer stores; anything nested (none is written today) is left out rather than shown raw. */
function toAuditDetails(value: Prisma.JsonValue): AuditDetails {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  const details: AuditDetails = {};
  for (const [key, entry] of Object.entries(value)) {
    if (entry === null || typeof entry === 'string' || typeof entry === 'number' || typeof entry === 'boolean') details[key] = entry;
  }
  return details;
}
