/**
 * Authentication: better-auth with email + password, server-side sessions in PostgreSQL,
 * the admin plugin for roles and bans, and database-backed rate limiting of sign-in.
 * Public sign-up is off: admins create accounts.
 */
import { betterAuth } from 'better-auth';
import { prismaAdapter } from 'better-auth/adapters/prisma';
import { admin } from 'better-auth/plugins/admin';
import { createAccessControl } from 'better-auth/plugins/access';
import { defaultStatements, adminAc, userAc } from 'better-auth/plugins/admin/access';
import { nextCookies } from 'better-auth/next-js';
import { db } from './db';
import { env } from './env';

export const ROLES = ['admin', 'annotator'] as const;
export type Role = (typeof ROLES)[number];

const accessControl = createAccessControl(defaultStatements);

export const auth = betterAuth({
  appName: 'Feedloop',
  baseURL: env.APP_URL,
  secret: env.BETTER_AUTH_SECRET,
  database: prismaAdapter(db, { provider: 'postgresql' }),
  emailAndPassword: { enabled: true, disableSignUp: true, minPasswordLength: 8 },
  session: { expiresIn: 60 * 60 * 24 * 7, updateAge: 60 * 60 * 24 },
  rateLimit: {
    enabled: true,
    storage: 'database',
    window: 60,
    max: 300,
    customRules: { '/sign-in/email': { window: 60, max: env.AUTH_SIGNIN_LIMIT_PER_MINUTE } },
  },
  advanced: {
    // Cookies are HttpOnly and SameSite=Lax; Secure whenever the app is served over https.
    defaultCookieAttributes: { httpOnly: true, sameSite: 'lax', secure: env.APP_URL.startsWith('https://') },
    ipAddress: { ipAddressHeaders: ['x-forwarded-for', 'x-real-ip'] },
  },
  plugins: [
    admin({
      ac: accessControl,
      roles: { admin: adminAc, annotator: userAc },
      adminRoles: ['admin'],
      defaultRole: 'annotator',
    }),
    nextCookies(),
  ],
});

export type AuthSession = NonNullable<Awaited<ReturnType<typeof auth.api.getSession>>>;

/** The signed-in user for a request's headers, or null. Banned users have no session. */
export async function getSessionUser(headers: Headers): Promise<{ id: string; email: string; name: string; role: Role } | null> {
  const session = await auth.api.getSession({ headers });
  if (!session || session.user.banned) return null;
  const role: Role = session.user.role === 'admin' ? 'admin' : 'annotator';
  return { id: session.user.id, email: session.user.email, name: session.user.name, role };
}
