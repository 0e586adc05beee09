import { db } from '../db';
import { userPublicSelect } from './users';

/** Every account for the admin's user table (public fields only: never passwords or sessions). */
export async function listUsers() {
  const users = await db.user.findMany({ orderBy: { createdAt: 'asc' }, select: userPublicSelect });
  return users.map((user) => ({ ...user, role: user.role === 'admin' ? ('admin' as const) : ('annotator' as const), banned: user.banned ?? false }));
}
