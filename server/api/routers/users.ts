/** Accounts, managed by admins (public sign-up is off). Every change writes an audit row (server/services/users.ts). */
import { z } from 'zod';
import { listUsers } from '../../services/list-users';
import { listAuditLog } from '../../services/audit-log';
import {
  ZAccountEmail,
  ZAccountName,
  ZAccountPassword,
  ZAccountRole,
  createUserAccount,
  toAccountRole,
  removeUserPersonalData,
  resetUserPassword,
  setUserDisabled,
  setUserRole,
} from '../../services/users';
import { adminProcedure, createTRPCRouter } from '../trpc';
import { ZDbId, ZSafeText } from '../../../lib/validation';

const ZUserId = ZSafeText(200).min(1);

/** Public fields only: never password hashes, sessions or accounts. */
export const ZUserPublic = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  role: ZAccountRole,
  banned: z.boolean(),
  /** When an admin removed this person's data (the account is then disabled for good). */
  pseudonymisedAt: z.date().nullable(),
  createdAt: z.date(),
});

export const ZCreateUserInput = z.object({ email: ZAccountEmail, name: ZAccountName, password: ZAccountPassword, role: ZAccountRole });
export type TCreateUserInput = z.infer<typeof ZCreateUserInput>;
export const ZSetDisabledInput = z.object({ userId: ZUserId, disabled: z.boolean() });
export const ZResetPasswordInput = z.object({ userId: ZUserId, newPassword: ZAccountPassword });
export const ZSetRoleInput = z.object({ userId: ZUserId, role: ZAccountRole });
export const ZRemovePersonalDataInput = z.object({ userId: ZUserId });
export const ZAuditLogInput = z.object({ cursor: ZDbId.optional(), limit: z.number().int().min(1).max(200).default(50) });

export const ZAuditLogEntry = z.object({
  id: z.number(),
  action: z.string(),
  createdAt: z.date(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  actor: z.object({ id: z.string(), name: z.string() }).nullable(),
  target: z.object({ id: z.string(), name: z.string().nullable() }).nullable(),
});

const toPublic = (user: { id: string; name: string; email: string; role: string; banned: boolean | null; pseudonymisedAt: Date | null; createdAt: Date }) => ({
  ...user,
  role: toAccountRole(user.role),
  banned: user.banned ?? false,
});

export const usersRouter = createTRPCRouter({
  list: adminProcedure.output(z.array(ZUserPublic)).query(() => listUsers()),

  create: adminProcedure
    .input(ZCreateUserInput)
    .output(ZUserPublic)
    .mutation(async ({ ctx, input }) => toPublic(await createUserAccount({ ...input, actorId: ctx.user.id }))),

  setDisabled: adminProcedure
    .input(ZSetDisabledInput)
    .output(ZUserPublic)
    .mutation(async ({ ctx, input }) => toPublic(await setUserDisabled({ ...input, actorId: ctx.user.id }))),

  resetPassword: adminProcedure
    .input(ZResetPasswordInput)
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await resetUserPassword({ ...input, actorId: ctx.user.id });
      return { ok: true as const };
    }),

  setRole: adminProcedure
    .input(ZSetRoleInput)
    .output(ZUserPublic)
    .mutation(async ({ ctx, input }) => toPublic(await setUserRole({ ...input, actorId: ctx.user.id }))),

  removePersonalData: adminProcedure
    .input(ZRemovePersonalDataInput)
    .output(ZUserPublic)
    .mutation(async ({ ctx, input }) => toPublic(await removeUserPersonalData({ ...input, actorId: ctx.user.id }))),

  auditLog: adminProcedure
    .input(ZAuditLogInput)
    .output(z.object({ items: z.array(ZAuditLogEntry), nextCursor: z.number().nullable() }))
    .query(({ input }) => listAuditLog(input)),
});
