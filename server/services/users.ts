/** Accounts: created by admins (public sign-up is off), disabled, and given new passwords. */
import { auth, type Role } from '../auth';
import { db } from '../db';
import { AppError } from '../errors';

export const userPublicSelect = { id: true, name: true, email: true, role: true, banned: true, createdAt: true } as const;

export async function createUserAccount(options: { email: string; password: string; name: string; role: Role }) {
  const existing = await db.user.findUnique({ where: { email: options.email.toLowerCase() }, select: { id: true } });
  if (existing) throw new AppError('CONFLICT', `An account for ${options.email} already exists`);
  const result = await auth.api.createUser({ body: { email: options.email, password: options.password, name: options.name, role: options.role } });
  return db.user.findUniqueOrThrow({ where: { id: result.user.id }, select: userPublicSelect });
}

/** Disabling revokes every session at once; the user cannot sign in until enabled again. */
export async function setUserDisabled(options: { userId: string; disabled: boolean }) {
  const user = await db.user.findUnique({ where: { id: options.userId }, select: { id: true } });
  if (!user) throw new AppError('NOT_FOUND', `No user ${options.userId}`);
  return db.$transaction(async (tx) => {
    if (options.disabled) await tx.session.deleteMany({ where: { userId: options.userId } });
    return tx.user.update({ where: { id: options.userId }, data: { banned: options.disabled, banReason: options.disabled ? 'Disabled by an admin' : null }, select: userPublicSelect });
  });
}

export async function resetUserPassword(options: { userId: string; newPassword: string }) {
  const account = await db.account.findFirst({ where: { userId: options.userId, providerId: 'credential' }, select: { id: true } });
  if (!account) throw new AppError('NOT_FOUND', `No password account for user ${options.userId}`);
  const context = await auth.$context;
  const hash = await context.password.hash(options.newPassword);
  await db.$transaction([
    db.account.update({ where: { id: account.id }, data: { password: hash } }),
    db.session.deleteMany({ where: { userId: options.userId } }),
  ]);
}
