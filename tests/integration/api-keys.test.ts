/**
 * API keys through tRPC: the secret is shown once, lists never show it, revocation and the
 * per-person limit hold, every change is audited, and a key authenticates only while its owner is
 * an enabled admin.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { db } from '@/server/db';
import { authenticateApiKey, MAX_ACTIVE_KEYS_PER_USER } from '@/server/services/api-keys';
import { callerFor, catchTrpcError, createSignedInUser } from '../helpers/api';

const KEY_FORMAT = /^fl_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

describe('API keys (admin)', () => {
  it('create shows the key once in fl_<id>_<secret> form; only sha256(secret) is stored', async () => {
    const admin = await createSignedInUser('admin');
    const api = await callerFor(admin);
    const { key, apiKey } = await api.apiKeys.create({ name: 'notebook', scope: 'READ' });
    const match = KEY_FORMAT.exec(key);
    expect(match).not.toBeNull();
    const [, id, secret] = match ?? [];
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect(apiKey).toMatchObject({ id, name: 'notebook', scope: 'READ', revokedAt: null, lastUsedAt: null, user: { id: admin.id, email: admin.email } });
    expect(JSON.stringify(apiKey)).not.toContain(secret);

    const row = await db.apiKey.findUniqueOrThrow({ where: { id } });
    expect(row.secretHash).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(secret);
  });

  it('list never shows the secret or its hash, to anyone', async () => {
    const admin = await createSignedInUser('admin');
    const other = await createSignedInUser('admin');
    const { key } = await (await callerFor(admin)).apiKeys.create({ name: 'ci', scope: 'WRITE' });
    const [, id, secret] = KEY_FORMAT.exec(key) ?? [];
    const hash = createHash('sha256').update(secret).digest('hex');
    const list = await (await callerFor(other)).apiKeys.list();
    const row = list.find((k) => k.id === id);
    expect(row && Object.keys(row).sort()).toEqual(['createdAt', 'id', 'lastUsedAt', 'name', 'revokedAt', 'scope', 'user']);
    const text = JSON.stringify(list);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(hash);
    expect(text).not.toMatch(/secretHash/);
  });

  it('any admin revokes a key; it stops working at once; revoking again is a CONFLICT; both changes audited', async () => {
    const owner = await createSignedInUser('admin');
    const revoker = await createSignedInUser('admin');
    const { key, apiKey } = await (await callerFor(owner)).apiKeys.create({ name: 'to revoke', scope: 'WRITE' });
    expect(await authenticateApiKey(key)).toMatchObject({ keyId: apiKey.id, scope: 'WRITE', user: { id: owner.id } });

    const revoked = await (await callerFor(revoker)).apiKeys.revoke({ keyId: apiKey.id });
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    expect(await authenticateApiKey(key)).toBeNull();
    expect((await catchTrpcError((await callerFor(owner)).apiKeys.revoke({ keyId: apiKey.id }))).code).toBe('CONFLICT');
    expect((await catchTrpcError((await callerFor(owner)).apiKeys.revoke({ keyId: 'nosuchkey0000000' }))).code).toBe('NOT_FOUND');

    const audit = await db.auditLog.findMany({ where: { targetId: apiKey.id }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => ({ actorId: a.actorId, action: a.action, details: a.details }))).toEqual([
      { actorId: owner.id, action: 'api-key.create', details: { name: 'to revoke', scope: 'WRITE', ownerId: owner.id } },
      { actorId: revoker.id, action: 'api-key.revoke', details: { name: 'to revoke', scope: 'WRITE', ownerId: owner.id } },
    ]);
    expect(JSON.stringify(audit)).not.toContain(key.split('_').slice(2).join('_'));
  });

  it(`at most ${MAX_ACTIVE_KEYS_PER_USER} active keys per person; a revoked one frees a slot`, async () => {
    const admin = await createSignedInUser('admin');
    const api = await callerFor(admin);
    const created = await Promise.all(Array.from({ length: MAX_ACTIVE_KEYS_PER_USER }, (_, i) => api.apiKeys.create({ name: `k${i}`, scope: 'READ' })));
    const refused = await catchTrpcError(api.apiKeys.create({ name: 'one too many', scope: 'READ' }));
    expect(refused.code).toBe('BAD_REQUEST');
    expect(refused.message).toMatch(/50 active API keys/);
    expect(await db.apiKey.count({ where: { userId: admin.id } })).toBe(MAX_ACTIVE_KEYS_PER_USER);
    await api.apiKeys.revoke({ keyId: created[0].apiKey.id });
    await expect(api.apiKeys.create({ name: 'fits again', scope: 'READ' })).resolves.toMatchObject({ apiKey: { name: 'fits again' } });
    // Another admin's keys do not count against this one.
    await expect((await callerFor(await createSignedInUser('admin'))).apiKeys.create({ name: 'mine', scope: 'READ' })).resolves.toBeDefined();
  });

  it('annotators cannot create keys; names are validated', async () => {
    const annotator = await createSignedInUser('annotator');
    expect((await catchTrpcError((await callerFor(annotator)).apiKeys.create({ name: 'x', scope: 'READ' }))).code).toBe('FORBIDDEN');
    const api = await callerFor(await createSignedInUser('admin'));
    expect((await catchTrpcError(api.apiKeys.create({ name: '  ', scope: 'READ' }))).code).toBe('BAD_REQUEST');
    expect((await catchTrpcError(api.apiKeys.create({ name: 'a\u0000b', scope: 'READ' }))).code).toBe('BAD_REQUEST');
    expect((await catchTrpcError(api.apiKeys.create({ name: 'ok', scope: 'ADMIN' as 'READ' }))).code).toBe('BAD_REQUEST');
  });

  it('a key works only while its owner is an enabled admin; a wrong secret or malformed key never works', async () => {
    const owner = await createSignedInUser('admin');
    const { key } = await (await callerFor(owner)).apiKeys.create({ name: 'owner', scope: 'READ' });
    const [, id, secret] = KEY_FORMAT.exec(key) ?? [];
    const flipped = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    expect(await authenticateApiKey(`fl_${id}_${flipped}`)).toBeNull();
    expect(await authenticateApiKey(key.slice(0, -1))).toBeNull();
    expect(await authenticateApiKey(`Bearer ${key}`)).toBeNull();

    await db.user.update({ where: { id: owner.id }, data: { banned: true } });
    expect(await authenticateApiKey(key)).toBeNull();
    await db.user.update({ where: { id: owner.id }, data: { banned: false, role: 'annotator' } });
    expect(await authenticateApiKey(key)).toBeNull();
    await db.user.update({ where: { id: owner.id }, data: { role: 'admin' } });
    expect(await authenticateApiKey(key)).not.toBeNull();
  });

  it('lastUsedAt is set on use and not rewritten within the minute', async () => {
    const owner = await createSignedInUser('admin');
    const { key, apiKey } = await (await callerFor(owner)).apiKeys.create({ name: 'used', scope: 'READ' });
    await authenticateApiKey(key);
    const first = (await db.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } })).lastUsedAt;
    expect(first).toBeInstanceOf(Date);
    expect(Math.abs((first?.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
    await authenticateApiKey(key);
    expect((await db.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } })).lastUsedAt).toEqual(first);
    // An hour-old use is refreshed.
    const old = new Date(Date.now() - 3600_000);
    await db.apiKey.update({ where: { id: apiKey.id }, data: { lastUsedAt: old } });
    await authenticateApiKey(key);
    expect((await db.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } })).lastUsedAt?.getTime()).toBeGreaterThan(old.getTime() + 3000_000);
  });
});
