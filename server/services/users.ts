/**
 * Accounts: every change to one goes through here (public sign-up is off, and better-auth's own
 * account routes are closed, see server/auth-routes.ts). Each change is validated with the same
 * limits whoever calls (the admin API, the seed, scripts) and writes its audit row in its own
 * transaction.
 *
 * Accounts are never deleted: ratings outlive them (Annotation.userId is Restrict). A person who
 * leaves is disabled, or has their personal data removed (pseudonymised), which is for good.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { Prisma } from '../generated/prisma/client';
import { auth, ROLES, type Role } from '../auth';
import { db } from '../db';
import { AppError } from '../errors';
import { ZSafeText } from '../../lib/validation';
import { writeAuditLog } from './audit-log';
import { deleteSignInFailuresForEmail } from './sign-in-limit';

export const ZAccountName = ZSafeText(100, 'A name has at most 100 characters').trim().min(1, 'Give the person a name');
export const ZAccountEmail = z.email('Enter an email address, like name@example.com').max(200, 'An email address has at most 200 characters');
export const ZAccountPassword = ZSafeText(128, 'A password has at most 128 characters').min(8, 'The password needs at least 8 characters');
export const ZAccountRole = z.enum(ROLES);

/** A stored role as shown to admins: one of ROLES (reviewers included); anything unknown reads as annotator, the least privileged. */
export function toAccountRole(stored: string | null): Role {
  const parsed = ZAccountRole.safeParse(stored);
  return parsed.success ? parsed.data : 'annotator';
}

export const userPublicSelect = { id: true, name: true, email: true, role: true, banned: true, pseudonymisedAt: true, createdAt: true } satisfies Prisma.UserSelect;

/** What a removed person's account is called: a hash of the id, so two removed users differ and nothing of the person is kept. */
export function pseudonymFor(userId: string): { name: string; email: string } {
  const shortHash = createHash('sha256').update(userId).digest('hex').slice(0, 10);
  return { name: `Removed user ${shortHash}`, email: `removed-${userId}@invalid` };
}

/** Parses with a service's schema; a bad value is a BAD_REQUEST naming the field. */
function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new AppError('BAD_REQUEST', `${issue.path.join('.') || 'input'}: ${issue.message}`);
}

const ZCreateUserAccount = z.object({ email: ZAccountEmail, name: ZAccountName, password: ZAccountPassword, role: ZAccountRole });

/** `actorId`: the admin who creates it; null for the seed and scripts. */
export async function createUserAccount(options: { email: string; password: string; name: string; role: Role; actorId?: string | null }) {
  const input = parseOrThrow(ZCreateUserAccount, options);
  const email = input.email.toLowerCase();
  const context = await auth.$context;
  // Hashed before the transaction: scrypt takes tens of milliseconds.
  const passwordHash = await context.password.hash(input.password);
  const userId = context.generateId({ model: 'user' });
  const accountId = context.generateId({ model: 'account' });
  if (typeof userId !== 'string' || typeof accountId !== 'string') throw new Error('better-auth must generate string ids');
  try {
    return await db.$transaction(async (tx) => {
      const existing = await tx.user.findUnique({ where: { email }, select: { id: true } });
      if (existing) throw new AppError('CONFLICT', `An account for ${email} already exists`);
      const user = await tx.user.create({ data: { id: userId, email, name: input.name, role: input.role, emailVerified: false, banned: false }, select: userPublicSelect });
      await tx.account.create({ data: { id: accountId, accountId: userId, providerId: 'credential', userId, password: passwordHash }, select: { id: true } });
      await writeAuditLog(tx, { actorId: options.actorId ?? null, action: 'user.create', targetId: userId, details: { role: input.role } });
      return user;
    });
  } catch (error) {
    // Two creations of one email at once: the unique index refuses the second.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw new AppError('CONFLICT', `An account for ${email} already exists`);
    throw error;
  }
}

async function findAccount(tx: Prisma.TransactionClient, userId: string) {
  const user = await tx.user.findUnique({ where: { id: userId }, select: { id: true, email: true, role: true, pseudonymisedAt: true } });
  if (!user) throw new AppError('NOT_FOUND', `No user ${userId}`);
  return user;
}

function refuseRemoved(user: { pseudonymisedAt: Date | null }, what: string) {
  if (user.pseudonymisedAt) throw new AppError('CONFLICT', `This account's personal data was removed; it cannot ${what}`);
}

/** Disabling ends every session at once; the user cannot sign in until enabled again. */
export async function setUserDisabled(options: { userId: string; disabled: boolean; actorId?: string | null }) {
  // An admin who disables themself locks the door behind them.
  if (options.disabled && options.actorId === options.userId) throw new AppError('BAD_REQUEST', 'You cannot disable your own account');
  return db.$transaction(async (tx) => {
    const user = await findAccount(tx, options.userId);
    if (!options.disabled) refuseRemoved(user, 'be enabled again');
    const { count: sessionsEnded } = options.disabled ? await tx.session.deleteMany({ where: { userId: user.id } }) : { count: 0 };
    const updated = await tx.user.update({
      where: { id: user.id },
      data: { banned: options.disabled, banReason: options.disabled ? 'Disabled by an admin' : null },
      select: userPublicSelect,
    });
    await writeAuditLog(tx, { actorId: options.actorId ?? null, action: options.disabled ? 'user.disable' : 'user.enable', targetId: user.id, details: { sessionsEnded } });
    return updated;
  });
}

/** A new password ends every session of the account (whoever had the old one is signed out). */
export async function resetUserPassword(options: { userId: string; newPassword: string; actorId?: string | null }) {
  const newPassword = parseOrThrow(ZAccountPassword, options.newPassword);
  const hash = await (await auth.$context).password.hash(newPassword);
  await db.$transaction(async (tx) => {
    const user = await findAccount(tx, options.userId);
    refuseRemoved(user, 'get a new password');
    const { count } = await tx.account.updateMany({ where: { userId: user.id, providerId: 'credential' }, data: { password: hash } });
    if (count === 0) throw new AppError('NOT_FOUND', `No password account for user ${user.id}`);
    const { count: sessionsEnded } = await tx.session.deleteMany({ where: { userId: user.id } });
    await writeAuditLog(tx, { actorId: options.actorId ?? null, action: 'user.reset-password', targetId: user.id, details: { sessionsEnded } });
  });
}

/** The new role applies from the user's next request (every request reads it). An admin cannot demote themself, so one admin always remains. */
export async function setUserRole(options: { userId: string; role: Role; actorId: string }) {
  const role = parseOrThrow(ZAccountRole, options.role);
  if (options.userId === options.actorId && role !== 'admin') throw new AppError('BAD_REQUEST', 'You cannot remove your own admin role');
  return db.$transaction(async (tx) => {
    const user = await findAccount(tx, options.userId);
    refuseRemoved(user, 'change role');
    const updated = await tx.user.update({ where: { id: user.id }, data: { role }, select: userPublicSelect });
    await writeAuditLog(tx, { actorId: options.actorId, action: 'user.set-role', targetId: user.id, details: { from: user.role, to: role } });
    return updated;
  });
}

/**
 * "Remove personal data": the account keeps its id (and so its ratings, which keep counting),
 * but its name and email become a pseudonym, its sessions, password, API keys and sign-in
 * failures go, and it is disabled for good. Irreversible.
 */
export async function removeUserPersonalData(options: { userId: string; actorId: string }) {
  if (options.userId === options.actorId) throw new AppError('BAD_REQUEST', 'You cannot remove your own personal data; ask another admin');
  const pseudonym = pseudonymFor(options.userId);
  return db.$transaction(async (tx) => {
    const user = await findAccount(tx, options.userId);
    if (user.pseudonymisedAt) throw new AppError('CONFLICT', "This account's personal data was already removed");
    const { count: sessionsEnded } = await tx.session.deleteMany({ where: { userId: user.id } });
    const { count: passwordsRemoved } = await tx.account.deleteMany({ where: { userId: user.id } });
    const { count: apiKeysRevoked } = await tx.apiKey.updateMany({ where: { userId: user.id, revokedAt: null }, data: { revokedAt: new Date() } });
    await deleteSignInFailuresForEmail(tx, user.email);
    const updated = await tx.user.update({
      where: { id: user.id },
      data: { name: pseudonym.name, email: pseudonym.email, image: null, emailVerified: false, banned: true, banReason: 'Personal data removed', banExpires: null, pseudonymisedAt: new Date() },
      select: userPublicSelect,
    });
    await writeAuditLog(tx, { actorId: options.actorId, action: 'user.remove-personal-data', targetId: user.id, details: { sessionsEnded, passwordsRemoved, apiKeysRevoked } });
    return updated;
  });
}
