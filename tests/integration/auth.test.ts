import { describe, expect, it } from 'vitest';
import { callerFor, createSignedInUser, signIn } from '../helpers/api';
import { setUserDisabled, resetUserPassword } from '@/server/services/users';

describe('accounts and sessions', () => {
  it('a signed-in annotator is recognised with its role', async () => {
    const annotator = await createSignedInUser('annotator');
    const me = await (await callerFor(annotator)).session.me();
    expect(me).toMatchObject({ id: annotator.id, email: annotator.email, role: 'annotator' });
  });

  it('anonymous callers have no user', async () => {
    expect(await (await callerFor(null)).session.me()).toBeNull();
  });

  it('disabling a user ends their session and blocks sign-in', async () => {
    const annotator = await createSignedInUser('annotator');
    await setUserDisabled({ userId: annotator.id, disabled: true });
    expect(await (await callerFor(annotator)).session.me()).toBeNull();
    await expect(signIn(annotator.email, annotator.password)).rejects.toThrow(/Sign-in failed/);
  });

  it('a reset password replaces the old one', async () => {
    const annotator = await createSignedInUser('annotator');
    await resetUserPassword({ userId: annotator.id, newPassword: 'a brand new password' });
    await expect(signIn(annotator.email, annotator.password)).rejects.toThrow(/Sign-in failed/);
    const headers = await signIn(annotator.email, 'a brand new password');
    expect(headers.get('cookie')).toMatch(/session_token/);
  });
});
