import { describe, expect, it } from 'vitest';
import { TRPCError } from '@trpc/server';
import { db } from '@/server/db';
import { callerFor, catchTrpcError, createSignedInUser, signIn } from '../helpers/api';

describe('users (admin)', () => {
  it('creates an annotator who can sign in; lists public fields only', async () => {
    const admin = await createSignedInUser('admin');
    const caller = await callerFor(admin);
    const created = await caller.users.create({ email: 'New.Person@Example.test', name: 'New Person', password: 'long enough pw', role: 'annotator' });
    expect(created).toMatchObject({ email: 'new.person@example.test', name: 'New Person', role: 'annotator', banned: false });
    const headers = await signIn('new.person@example.test', 'long enough pw');
    expect(await (await callerFor({ id: created.id, email: created.email, password: '', role: 'annotator', headers })).session.me()).toMatchObject({ id: created.id, role: 'annotator' });

    const list = await caller.users.list();
    const row = list.find((u) => u.id === created.id);
    expect(row && Object.keys(row).sort()).toEqual(['banned', 'createdAt', 'email', 'id', 'name', 'role']);
    expect(JSON.stringify(list)).not.toMatch(/password|token|scrypt/i);
  });

  it('rejects short passwords, bad emails and duplicate accounts', async () => {
    const caller = await callerFor(await createSignedInUser('admin'));
    expect((await catchTrpcError(caller.users.create({ email: 'a@example.test', name: 'A', password: 'short', role: 'annotator' }))).code).toBe('BAD_REQUEST');
    expect((await catchTrpcError(caller.users.create({ email: 'not-an-email', name: 'A', password: 'long enough pw', role: 'annotator' }))).code).toBe('BAD_REQUEST');
    await caller.users.create({ email: 'twice@example.test', name: 'Twice', password: 'long enough pw', role: 'annotator' });
    expect((await catchTrpcError(caller.users.create({ email: 'TWICE@example.test', name: 'Twice', password: 'long enough pw', role: 'annotator' }))).code).toBe('CONFLICT');
  });

  it('disabling ends sessions and blocks sign-in; enabling lets the user back in', async () => {
    const admin = await createSignedInUser('admin');
    const annotator = await createSignedInUser('annotator');
    const caller = await callerFor(admin);
    expect(await caller.users.setDisabled({ userId: annotator.id, disabled: true })).toMatchObject({ id: annotator.id, banned: true });
    expect(await db.session.count({ where: { userId: annotator.id } })).toBe(0);
    expect((await catchTrpcError((await callerFor(annotator)).projects.list())).code).toBe('UNAUTHORIZED');
    await expect(signIn(annotator.email, annotator.password)).rejects.toThrow(/Sign-in failed/);

    expect(await caller.users.setDisabled({ userId: annotator.id, disabled: false })).toMatchObject({ banned: false });
    await expect(signIn(annotator.email, annotator.password)).resolves.toBeInstanceOf(Headers);
  });

  it('an admin cannot disable their own account; unknown users are NOT_FOUND', async () => {
    const admin = await createSignedInUser('admin');
    const caller = await callerFor(admin);
    expect((await catchTrpcError(caller.users.setDisabled({ userId: admin.id, disabled: true }))).code).toBe('BAD_REQUEST');
    expect((await catchTrpcError(caller.users.setDisabled({ userId: 'no-such-user', disabled: true }))).code).toBe('NOT_FOUND');
    expect((await catchTrpcError(caller.users.resetPassword({ userId: 'no-such-user', newPassword: 'whatever long' }))).code).toBe('NOT_FOUND');
  });

  it('a reset password replaces the old one and ends sessions', async () => {
    const admin = await createSignedInUser('admin');
    const annotator = await createSignedInUser('annotator');
    expect(await (await callerFor(admin)).users.resetPassword({ userId: annotator.id, newPassword: 'fresh password 1' })).toEqual({ ok: true });
    expect(await (await callerFor(annotator)).session.me()).toBeNull();
    await expect(signIn(annotator.email, annotator.password)).rejects.toThrow(/Sign-in failed/);
    await expect(signIn(annotator.email, 'fresh password 1')).resolves.toBeInstanceOf(Headers);
    expect((await catchTrpcError((await callerFor(admin)).users.resetPassword({ userId: annotator.id, newPassword: 'short' }))).code).toBe('BAD_REQUEST');
  });

  it('annotators and anonymous callers cannot manage users', async () => {
    const annotator = await createSignedInUser('annotator');
    expect((await catchTrpcError((await callerFor(annotator)).users.list())).code).toBe('FORBIDDEN');
    expect((await catchTrpcError((await callerFor(null)).users.create({ email: 'x@example.test', name: 'x', password: 'long enough pw', role: 'admin' }))).code).toBe('UNAUTHORIZED');
  });
});
