/**
 * API keys for /api/v1 and the CLI: `fl_<id>_<secret>`.
 *
 * The id (16 hex characters) is the row's primary key and is not secret; the secret (32 random
 * bytes, base64url) is shown once, when the key is created, and only its sha256 is stored. A key
 * authenticates as its owner while the owner is an enabled admin (not banned, not pseudonymised)
 * and the key is not revoked, so disabling or demoting a person stops their keys at once.
 *
 * sha256 rather than a slow password hash: the secret is 256 random bits, so there is nothing to
 * brute-force, and every API request checks it.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Prisma } from '../generated/prisma/client';
import { db } from '../db';
import { AppError } from '../errors';
import { writeAuditLog } from './audit-log';
import { NOW_UTC } from './task-view';

export const API_KEY_SCOPES = ['READ', 'WRITE'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** Active (unrevoked) keys one person may hold. */
export const MAX_ACTIVE_KEYS_PER_USER = 50;
/** lastUsedAt is written at most this often per key, so authenticating stays a read. */
const LAST_USED_RESOLUTION_MS = 60_000;

const KEY_PATTERN = /^fl_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** What a key list shows: never the secret nor its hash. */
export const apiKeyPublicSelect = {
  id: true,
  name: true,
  scope: true,
  lastUsedAt: true,
  revokedAt: true,
  createdAt: true,
  user: { select: { id: true, name: true, email: true } },
} satisfies Prisma.ApiKeySelect;

export type ApiKeyPublic = Prisma.ApiKeyGetPayload<{ select: typeof apiKeyPublicSelect }>;

export type ApiKeyPrincipal = { keyId: string; scope: ApiKeyScope; user: { id: string; email: string; name: string } };

function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** The audit row of a key change, inside the caller's transaction (never the secret). */
async function writeAudit(
  tx: Prisma.TransactionClient,
  entry: { actorId: string; action: 'api-key.create' | 'api-key.revoke'; targetId: string; details: { name: string; scope: ApiKeyScope; ownerId: string } },
) {
  await writeAuditLog(tx, entry);
}

/** Creates a key owned by `userId`; the returned `key` is the only time the secret exists in clear. */
export async function createApiKey(options: { userId: string; name: string; scope: ApiKeyScope }): Promise<{ key: string; apiKey: ApiKeyPublic }> {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const apiKey = await db.$transaction(async (tx) => {
    // One creation at a time per person, so two concurrent requests cannot both take the 50th slot.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`api-key:${options.userId}`}))`;
    const active = await tx.apiKey.count({ where: { userId: options.userId, revokedAt: null } });
    if (active >= MAX_ACTIVE_KEYS_PER_USER) {
      throw new AppError('BAD_REQUEST', `You already have ${MAX_ACTIVE_KEYS_PER_USER} active API keys: revoke one first`);
    }
    const created = await tx.apiKey.create({
      data: { id, userId: options.userId, name: options.name, scope: options.scope, secretHash: hashSecret(secret).toString('hex') },
      select: apiKeyPublicSelect,
    });
    await writeAudit(tx, { actorId: options.userId, action: 'api-key.create', targetId: id, details: { name: options.name, scope: options.scope, ownerId: options.userId } });
    return created;
  });
  return { key: `fl_${id}_${secret}`, apiKey };
}

/** Every key of every person (admins oversee each other's keys), newest first. */
export async function listApiKeys(): Promise<ApiKeyPublic[]> {
  return db.apiKey.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], select: apiKeyPublicSelect });
}

/** Revokes a key (any admin may); revoking twice is refused so the audit log holds one row per revocation. */
export async function revokeApiKey(options: { keyId: string; actorId: string }): Promise<ApiKeyPublic> {
  return db.$transaction(async (tx) => {
    const key = await tx.apiKey.findUnique({ where: { id: options.keyId }, select: { id: true, name: true, scope: true, userId: true, revokedAt: true } });
    if (!key) throw new AppError('NOT_FOUND', `No API key ${options.keyId}`);
    const updated = await tx.apiKey.updateMany({ where: { id: key.id, revokedAt: null }, data: { revokedAt: new Date() } });
    if (updated.count === 0) throw new AppError('CONFLICT', `API key ${options.keyId} is already revoked`);
    await writeAudit(tx, { actorId: options.actorId, action: 'api-key.revoke', targetId: key.id, details: { name: key.name, scope: key.scope, ownerId: key.userId } });
    return tx.apiKey.findUniqueOrThrow({ where: { id: key.id }, select: apiKeyPublicSelect });
  });
}

type KeyRow = {
  id: string;
  scope: ApiKeyScope;
  secretHash: string;
  isStale: boolean;
  userId: string;
  email: string;
  name: string;
};

/**
 * The principal a presented key stands for, or null when the key is malformed, unknown, revoked,
 * wrong, or its owner is no longer an enabled admin. One read; lastUsedAt is written only when
 * it is more than a minute old.
 */
export async function authenticateApiKey(presented: string): Promise<ApiKeyPrincipal | null> {
  const match = KEY_PATTERN.exec(presented);
  if (!match) return null;
  const [, id, secret] = match;
  const rows = await db.$queryRaw<KeyRow[]>`
    SELECT k.id, k.scope::text AS scope, k."secretHash",
      (k."lastUsedAt" IS NULL OR k."lastUsedAt" < ${NOW_UTC} - make_interval(secs => ${LAST_USED_RESOLUTION_MS / 1000}::int)) AS "isStale",
      u.id AS "userId", u.email, u.name
    FROM "ApiKey" k JOIN "user" u ON u.id = k."userId"
    WHERE k.id = ${id} AND k."revokedAt" IS NULL
      AND u.role = 'admin' AND u.banned IS NOT TRUE AND u."pseudonymisedAt" IS NULL`;
  const row = rows[0];
  if (!row) return null;
  const expected = Buffer.from(row.secretHash, 'hex');
  const actual = hashSecret(secret);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
  if (row.isStale) {
    await db.$executeRaw`
      UPDATE "ApiKey" SET "lastUsedAt" = ${NOW_UTC}
      WHERE id = ${row.id} AND ("lastUsedAt" IS NULL OR "lastUsedAt" < ${NOW_UTC} - make_interval(secs => ${LAST_USED_RESOLUTION_MS / 1000}::int))`;
  }
  return { keyId: row.id, scope: row.scope, user: { id: row.userId, email: row.email, name: row.name } };
}

/** Whether a text looks like an API key (for redacting logs). */
export function containsApiKey(text: string): boolean {
  return /fl_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/.test(text);
}
