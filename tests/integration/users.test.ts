import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { db } from '@/server/db';
import { AppError } from '@/server/errors';
import { createUserAccount } from '@/server/services/users';
import { callerFor, catchTrpcError, createSignedInUser, signIn, type TestUser } from '../helpers/api';
import { createQueueProject, pairwiseAnswer } from './queue-fixtures';

/** The audit rows about one target, oldest first, as stored. */
async function auditRowsFor(targetId: string) {
  return db.auditLog.findMany({ where: { targetId }, orderBy: { id: 'asc' }, select: { actorId: true, action: true, targetId: true, details: true } });
}

describe('users (admin)', () => {
  it('creates an annotator who can sign in; lists public fields only', async () => {
    const admin = await createSignedInUser('admin');
    const caller = await callerFor(admin);
    const created = await caller.users.create({ email: 'New.Person@Example.test', name: 'New Person', password: 'long enough pw', role: 'annotator' });
    expect(created).toMatchObject({ email: 'new.person@example.test', name: 'New Person', role: 'annotator', banned: false, pseudonymisedAt: null });
    const headers = await signIn('new.person@example.test', 'long enough pw');
    expect(await (await callerFor({ id: created.id, email: created.email, password: '', role: 'annotator', headers })).session.me()).toMatchObject({ id: created.id, role: 'annotator' });

    const list = await caller.users.list();
    const row = list.find((u) => u.id === created.id);
    expect(row && Object.keys(row).sort()).toEqual(['banned', 'createdAt', 'email', 'id', 'name', 'pseudonymisedAt', 'role']);
    expect(JSON.stringify(list)).not.toMatch(/password|token|scrypt/i);
    expect(await auditRowsFor(created.id)).toEqual([{ actorId: admin.id, action: 'user.create', targetId: created.id, details: { role: 'annotator' } }]);
  });

  it('rejects short passwords, bad emails and duplicate accounts', async () => {
    const caller = await callerFor(await createSignedInUser('admin'));
    expect((await catchTrpcError(caller.users.create({ email: 'a@example.test', name: 'A', password: 'short', role: 'annotator' }))).code).toBe('BAD_REQUEST');
    expect((await catchTrpcError(caller.users.create({ email: 'not-an-email', name: 'A', password: 'long enough pw', role: 'annotator' }))).code).toBe('BAD_REQUEST');
    await caller.users.create({ email: 'twice@example.test', name: 'Twice', password: 'long enough pw', role: 'annotator' });
    expect((await catchTrpcError(caller.users.create({ email: 'TWICE@example.test', name: 'Twice', password: 'long enough pw', role: 'annotator' }))).code).toBe('CONFLICT');
    expect(await db.user.count({ where: { email: 'twice@example.test' } })).toBe(1);
  });

  it('limits: name 1–100 characters without NUL, email up to 200, password 8–128; through the API and the service alike', async () => {
    const caller = await callerFor(await createSignedInUser('admin'));
    const email = () => `limit-${randomUUID().slice(0, 8)}@example.test`;
    const before = await db.user.count();
    const refused = [
      { email: email(), name: 'n'.repeat(101), password: 'long enough pw' },
      { email: email(), name: 'n'.repeat(200_000), password: 'long enough pw' },
      { email: email(), name: 'nul \u0000 name', password: 'long enough pw' },
      { email: email(), name: '   ', password: 'long enough pw' },
      { email: `${'e'.repeat(190)}@example.test`, name: 'Long email', password: 'long enough pw' },
      { email: email(), name: 'Short pw', password: '1234567' },
      { email: email(), name: 'Long pw', password: 'p'.repeat(129) },
    ];
    for (const input of refused) {
      expect((await catchTrpcError(caller.users.create({ ...input, role: 'annotator' }))).code).toBe('BAD_REQUEST');
      // The seed, scripts and tests call the service directly: the same limits hold there.
      await expect(createUserAccount({ ...input, role: 'annotator' })).rejects.toSatisfy((error) => error instanceof AppError && error.code === 'BAD_REQUEST');
    }
    expect(await db.user.count()).toBe(before);

    const longest = await caller.users.create({ email: `${'e'.repeat(187)}@example.test`, name: 'n'.repeat(100), password: 'p'.repeat(128), role: 'annotator' });
    expect(longest.email).toHaveLength(200);
    expect(longest.name).toHaveLength(100);
    await expect(signIn(longest.email, 'p'.repeat(128))).resolves.toBeInstanceOf(Headers);
    const shortest = await caller.users.create({ email: email(), name: 'N', password: '12345678', role: 'annotator' });
    await expect(signIn(shortest.email, '12345678')).resolves.toBeInstanceOf(Headers);
  });

  it('disabling ends sessions and blocks sign-in; enabling lets the user back in; both audited', async () => {
    const admin = await createSignedInUser('admin');
    const annotator = await createSignedInUser('annotator');
    const caller = await callerFor(admin);
    expect(await caller.users.setDisabled({ userId: annotator.id, disabled: true })).toMatchObject({ id: annotator.id, banned: true });
    expect(await db.session.count({ where: { userId: annotator.id } })).toBe(0);
    expect((await catchTrpcError((await callerFor(annotator)).projects.list())).code).toBe('UNAUTHORIZED');
    await expect(signIn(annotator.email, annotator.password)).rejects.toThrow(/Sign-in failed for .*: 403/);

    expect(await caller.users.setDisabled({ userId: annotator.id, disabled: false })).toMatchObject({ banned: false });
    await expect(signIn(annotator.email, annotator.password)).resolves.toBeInstanceOf(Headers);
    expect((await auditRowsFor(annotator.id)).slice(1)).toEqual([
      { actorId: admin.id, action: 'user.disable', targetId: annotator.id, details: { sessionsEnded: 1 } },
      { actorId: admin.id, action: 'user.enable', targetId: annotator.id, details: { sessionsEnded: 0 } },
    ]);
  });

  it('an admin cannot disable their own account; unknown users are NOT_FOUND; refused actions write no audit row', async () => {
    const admin = await createSignedInUser('admin');
    const caller = await callerFor(admin);
    const auditBefore = await db.auditLog.count();
    expect((await catchTrpcError(caller.users.setDisabled({ userId: admin.id, disabled: true }))).code).toBe('BAD_REQUEST');
    expect((await catchTrpcError(caller.users.setDisabled({ userId: 'no-such-user', disabled: true }))).code).toBe('NOT_FOUND');
    expect((await catchTrpcError(caller.users.resetPassword({ userId: 'no-such-user', newPassword: 'whatever long' }))).code).toBe('NOT_FOUND');
    expect((await catchTrpcError(caller.users.setRole({ userId: 'no-such-user', role: 'admin' }))).code).toBe('NOT_FOUND');
    expect((await catchTrpcError(caller.users.removePersonalData({ userId: 'no-such-user' }))).code).toBe('NOT_FOUND');
    expect(await db.auditLog.count()).toBe(auditBefore);
    expect(await (await callerFor(admin)).session.me()).toMatchObject({ id: admin.id });
  });

  it('a reset password replaces the old one and ends every session; audited without the password', async () => {
    const admin = await createSignedInUser('admin');
    const annotator = await createSignedInUser('annotator');
    const secondDevice = await signIn(annotator.email, annotator.password);
    expect(await db.session.count({ where: { userId: annotator.id } })).toBe(2);
    expect(await (await callerFor(admin)).users.resetPassword({ userId: annotator.id, newPassword: 'fresh password 1' })).toEqual({ ok: true });
    expect(await (await callerFor(annotator)).session.me()).toBeNull();
    expect(await (await callerFor({ ...annotator, headers: secondDevice })).session.me()).toBeNull();
    expect(await db.session.count({ where: { userId: annotator.id } })).toBe(0);
    await expect(signIn(annotator.email, annotator.password)).rejects.toThrow(/Sign-in failed/);
    await expect(signIn(annotator.email, 'fresh password 1')).resolves.toBeInstanceOf(Headers);
    expect((await catchTrpcError((await callerFor(admin)).users.resetPassword({ userId: annotator.id, newPassword: 'short' }))).code).toBe('BAD_REQUEST');

    const rows = await auditRowsFor(annotator.id);
    expect(rows.slice(1)).toEqual([{ actorId: admin.id, action: 'user.reset-password', targetId: annotator.id, details: { sessionsEnded: 2 } }]);
    expect(JSON.stringify(await db.auditLog.findMany())).not.toContain('fresh password 1');
  });

  it('a reviewer reads as a reviewer, in the answers of create and setRole and in the list (it once read as annotator)', async () => {
    const caller = await callerFor(await createSignedInUser('admin'));
    const created = await caller.users.create({ email: `reviewer-${Date.now()}@example.test`, name: 'Rae Viewer', password: 'long enough pw', role: 'reviewer' });
    expect(created.role).toBe('reviewer');
    expect((await caller.users.list()).find((u) => u.id === created.id)?.role).toBe('reviewer');
    expect(await caller.users.setRole({ userId: created.id, role: 'annotator' })).toMatchObject({ role: 'annotator' });
    expect(await caller.users.setRole({ userId: created.id, role: 'reviewer' })).toMatchObject({ role: 'reviewer' });
  });

  it('setRole promotes and demotes (effective on the next request); an admin cannot demote themself', async () => {
    const admin = await createSignedInUser('admin');
    const annotator = await createSignedInUser('annotator');
    const caller = await callerFor(admin);
    expect((await catchTrpcError((await callerFor(annotator)).users.list())).code).toBe('FORBIDDEN');
    expect(await caller.users.setRole({ userId: annotator.id, role: 'admin' })).toMatchObject({ id: annotator.id, role: 'admin' });
    expect(Array.isArray(await (await callerFor(annotator)).users.list())).toBe(true);
    expect(await caller.users.setRole({ userId: annotator.id, role: 'annotator' })).toMatchObject({ role: 'annotator' });
    expect((await catchTrpcError((await callerFor(annotator)).users.list())).code).toBe('FORBIDDEN');

    const selfDemotion = await catchTrpcError(caller.users.setRole({ userId: admin.id, role: 'annotator' }));
    expect(selfDemotion.code).toBe('BAD_REQUEST');
    expect(selfDemotion.message).toMatch(/your own admin role/);
    expect(await db.user.findUniqueOrThrow({ where: { id: admin.id }, select: { role: true } })).toEqual({ role: 'admin' });
    expect((await auditRowsFor(annotator.id)).slice(1)).toEqual([
      { actorId: admin.id, action: 'user.set-role', targetId: annotator.id, details: { from: 'annotator', to: 'admin' } },
      { actorId: admin.id, action: 'user.set-role', targetId: annotator.id, details: { from: 'admin', to: 'annotator' } },
    ]);
    expect(await auditRowsFor(admin.id)).toHaveLength(1);
  });

  it('removing personal data keeps the ratings and the counters; the person cannot sign in; it cannot be undone', async () => {
    const admin = await createSignedInUser('admin');
    const annotator = await createSignedInUser('annotator', 'Ada Lovelace');
    const other = await createSignedInUser('annotator');
    const fixture = await createQueueProject({ taskCount: 2, overlap: 1 });
    const rater = await callerFor(annotator);
    for (const taskId of fixture.taskIds) {
      const next = await rater.queue.next({ projectId: fixture.projectId });
      expect(next?.taskId).toBe(taskId);
      await rater.annotations.submit({ clientId: randomUUID(), taskId, answer: pairwiseAnswer('B'), timeSpentMs: 1200 });
    }
    // A failed sign-in under the email, and a session on a second device.
    await expect(signIn(annotator.email, 'not the password')).rejects.toThrow(/Sign-in failed/);
    await db.signInFailure.create({ data: { address: '192.0.2.1', email: annotator.email } });
    await signIn(annotator.email, annotator.password);
    const statsBefore = await (await callerFor(admin)).oversee.projectStats({ projectId: fixture.projectId });
    expect(statsBefore.tasksByStatus).toEqual({ OPEN: 0, DONE: 2, FLAGGED: 0 });
    expect(statsBefore.annotationsByAnnotator.map((row) => [row.userId, row.submitted])).toEqual([[annotator.id, 2]]);

    const removed = await (await callerFor(admin)).users.removePersonalData({ userId: annotator.id });
    expect(removed.name).toMatch(/^Removed user [0-9a-f]{6,}$/);
    expect(removed).toMatchObject({ id: annotator.id, email: `removed-${annotator.id}@invalid`, banned: true });
    expect(removed.pseudonymisedAt).toBeInstanceOf(Date);

    // Nothing of the person is left: name, email, sessions, password, failed sign-ins under the email.
    const stored = JSON.stringify(await db.user.findUniqueOrThrow({ where: { id: annotator.id } }));
    expect(stored).not.toContain('Ada Lovelace');
    expect(stored).not.toContain(annotator.email);
    expect(await db.session.count({ where: { userId: annotator.id } })).toBe(0);
    expect(await db.account.count({ where: { userId: annotator.id } })).toBe(0);
    expect(await db.signInFailure.count({ where: { email: annotator.email } })).toBe(0);
    expect(await (await callerFor(annotator)).session.me()).toBeNull();
    await expect(signIn(annotator.email, annotator.password)).rejects.toThrow(/Sign-in failed/);
    await expect(signIn(removed.email, annotator.password)).rejects.toThrow(/Sign-in failed/);

    // The ratings stay, still theirs, and every counter is unchanged.
    expect(await db.annotation.count({ where: { userId: annotator.id, status: 'SUBMITTED' } })).toBe(2);
    for (const taskId of fixture.taskIds)
      expect(await db.task.findUniqueOrThrow({ where: { id: taskId }, select: { status: true, submittedCount: true } })).toEqual({ status: 'DONE', submittedCount: 1 });
    const statsAfter = await (await callerFor(admin)).oversee.projectStats({ projectId: fixture.projectId });
    expect({ ...statsAfter, annotationsByAnnotator: statsAfter.annotationsByAnnotator.map(({ name, email, ...rest }) => rest) }).toEqual({
      ...statsBefore,
      annotationsByAnnotator: statsBefore.annotationsByAnnotator.map(({ name, email, ...rest }) => rest),
    });
    expect(statsAfter.annotationsByAnnotator[0]).toMatchObject({ name: removed.name, email: removed.email });

    // Irreversible: not enabled again, no new password, no role, not removed twice; audited once.
    const caller = await callerFor(admin);
    expect((await catchTrpcError(caller.users.setDisabled({ userId: annotator.id, disabled: false }))).code).toBe('CONFLICT');
    expect((await catchTrpcError(caller.users.resetPassword({ userId: annotator.id, newPassword: 'a new password' }))).code).toBe('CONFLICT');
    expect((await catchTrpcError(caller.users.setRole({ userId: annotator.id, role: 'admin' }))).code).toBe('CONFLICT');
    expect((await catchTrpcError(caller.users.removePersonalData({ userId: annotator.id }))).code).toBe('CONFLICT');
    expect(await db.user.findUniqueOrThrow({ where: { id: annotator.id }, select: { banned: true } })).toEqual({ banned: true });
    expect((await auditRowsFor(annotator.id)).slice(1)).toEqual([
      { actorId: admin.id, action: 'user.remove-personal-data', targetId: annotator.id, details: { sessionsEnded: 2, passwordsRemoved: 1, apiKeysRevoked: 0 } },
    ]);
    // No audit row holds the person's name or email.
    expect(JSON.stringify(await db.auditLog.findMany())).not.toMatch(/Ada Lovelace|@example\.test/);

    // An admin cannot remove their own data; another person is untouched.
    expect((await catchTrpcError(caller.users.removePersonalData({ userId: admin.id }))).code).toBe('BAD_REQUEST');
    expect(await (await callerFor(other)).session.me()).toMatchObject({ id: other.id });
  });

  it('a user with ratings cannot be deleted (Restrict), nor through the leases they hold', async () => {
    const annotator = await createSignedInUser('annotator');
    const holder = await createSignedInUser('annotator');
    const fixture = await createQueueProject({ taskCount: 2, overlap: 1 });
    const rater = await callerFor(annotator);
    const next = await rater.queue.next({ projectId: fixture.projectId });
    await rater.annotations.submit({ clientId: randomUUID(), taskId: next?.taskId ?? -1, answer: pairwiseAnswer(), timeSpentMs: 1 });
    expect(await (await callerFor(holder)).queue.next({ projectId: fixture.projectId })).not.toBeNull();

    await expect(db.user.delete({ where: { id: annotator.id } })).rejects.toThrow();
    await expect(db.user.delete({ where: { id: holder.id } })).rejects.toThrow();
    expect(await db.user.count({ where: { id: { in: [annotator.id, holder.id] } } })).toBe(2);
    expect(await db.annotation.count({ where: { userId: annotator.id } })).toBe(1);
  });

  it('the audit log lists every action newest first, with who, what and whom, a page at a time', async () => {
    const admin = await createSignedInUser('admin', 'Auditing Admin');
    const caller = await callerFor(admin);
    const created = await caller.users.create({ email: `audited-${randomUUID().slice(0, 8)}@example.test`, name: 'Audited Person', password: 'long enough pw', role: 'annotator' });
    await caller.users.setRole({ userId: created.id, role: 'admin' });
    await caller.users.setDisabled({ userId: created.id, disabled: true });
    await caller.users.setDisabled({ userId: created.id, disabled: false });
    await caller.users.resetPassword({ userId: created.id, newPassword: 'another password' });
    await caller.users.removePersonalData({ userId: created.id });

    const firstPage = await caller.users.auditLog({ limit: 4 });
    expect(firstPage.items.map((item) => item.action)).toEqual(['user.remove-personal-data', 'user.reset-password', 'user.enable', 'user.disable']);
    for (const item of firstPage.items) {
      expect(item.actor).toEqual({ id: admin.id, name: 'Auditing Admin' });
      // The target is named as it is now: the pseudonym, not the removed name.
      expect(item.target).toEqual({ id: created.id, name: expect.stringMatching(/^Removed user /) });
      expect(item.createdAt).toBeInstanceOf(Date);
    }
    expect(firstPage.nextCursor).toBe(firstPage.items[3].id);
    const secondPage = await caller.users.auditLog({ limit: 2, cursor: firstPage.nextCursor ?? undefined });
    expect(secondPage.items.map((item) => [item.action, item.details])).toEqual([
      ['user.set-role', { from: 'annotator', to: 'admin' }],
      ['user.create', { role: 'annotator' }],
    ]);
    // Ids strictly decrease across pages: no row twice, none skipped.
    const ids = [...firstPage.items, ...secondPage.items].map((item) => item.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(6);
    expect(JSON.stringify([firstPage, secondPage])).not.toContain('Audited Person');
  });

  it('annotators and anonymous callers cannot manage users nor read the audit log', async () => {
    const annotator = await createSignedInUser('annotator');
    const target: TestUser = await createSignedInUser('annotator');
    const api = await callerFor(annotator);
    expect((await catchTrpcError(api.users.list())).code).toBe('FORBIDDEN');
    expect((await catchTrpcError(api.users.auditLog({}))).code).toBe('FORBIDDEN');
    expect((await catchTrpcError(api.users.setRole({ userId: annotator.id, role: 'admin' }))).code).toBe('FORBIDDEN');
    expect((await catchTrpcError(api.users.removePersonalData({ userId: target.id }))).code).toBe('FORBIDDEN');
    expect((await catchTrpcError((await callerFor(null)).users.create({ email: 'x@example.test', name: 'x', password: 'long enough pw', role: 'admin' }))).code).toBe('UNAUTHORIZED');
    expect(await db.user.findUniqueOrThrow({ where: { id: annotator.id }, select: { role: true } })).toEqual({ role: 'annotator' });
  });
});
