/** Accounts, managed by admins (public sign-up is off). */
import { z } from 'zod';
import { AppError } from '../../errors';
import { ROLES } from '../../auth';
import { listUsers } from '../../services/list-users';
import { createUserAccount, resetUserPassword, setUserDisabled } from '../../services/users';
import { adminProcedure, createTRPCRouter } from '../trpc';
import { ZSafeText } from '../../../lib/validation';

const ZRole = z.enum(ROLES);
const ZPassword = ZSafeText(128).min(8, 'at least 8 characters');
const ZUserId = ZSafeText(200).min(1);

/** Public fields only: never password hashes, sessions or accounts. */
export const ZUserPublic = z.object({ id: z.string(), name: z.string(), email: z.string(), role: ZRole, banned: z.boolean(), createdAt: z.date() });

export const ZCreateUserInput = z.object({ email: z.email().max(200), name: ZSafeText(100).trim().min(1), password: ZPassword, role: ZRole });
export type TCreateUserInput = z.infer<typeof ZCreateUserInput>;
export const ZSetDisabledInput = z.object({ userId: ZUserId, disabled: z.boolean() });
export const ZResetPasswordInput = z.object({ userId: ZUserId, newPassword: ZPassword });

const toPublic = (user: { id: string; name: string; email: string; role: string; banned: boolean | null; createdAt: Date }) => ({
  ...user,
  role: user.role === 'admin' ? ('admin' as const) : ('annotator' as const),
  banned: user.banned ?? false,
});

export const usersRouter = createTRPCRouter({
  list: adminProcedure.output(z.array(ZUserPublic)).query(() => listUsers()),

  create: adminProcedure
    .input(ZCreateUserInput)
    .output(ZUserPublic)
    .mutation(async ({ input }) => toPublic(await createUserAccount({ ...input, email: input.email.toLowerCase() }))),

  setDisabled: adminProcedure
    .input(ZSetDisabledInput)
    .output(ZUserPublic)
    .mutation(async ({ ctx, input }) => {
      // An admin who disables themself locks the door behind them.
      if (input.userId === ctx.user.id && input.disabled) throw new AppError('BAD_REQUEST', 'You cannot disable your own account');
      return toPublic(await setUserDisabled(input));
    }),

  resetPassword: adminProcedure
    .input(ZResetPasswordInput)
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ input }) => {
      await resetUserPassword(input);
      return { ok: true as const };
    }),
});
