import { db } from '../db';
import { toAccountRole, userPublicSelect } from './users';

/** Every account for the admin's user table (public fields only: never passwords or sessions). */
export async function listUsers() {
  const users = await db.user.findMany({ orderBy: { createdAt: 'asc' }, select: userPublicSelect });
  return users.map((user) => ({ ...user, role: toAccountRole(user.role), banned: user.banned ?? false }));
}
