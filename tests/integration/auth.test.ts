import { describe, expect, it } from 'vitest';
import { auth } from '@/server/auth';
import { handleAuthRequest } from '@/server/auth-routes';
import { db } from '@/server/db';
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

/** Every table's row count and content digest: a refused request must change none. */
async function fingerprintAllTables(): Promise<string> {
  const tables = await db.$queryRaw<{ name: string }[]>`
    SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`;
  const parts: string[] = [];
  for (const { name } of tables) {
    const [row] = await db.$queryRawUnsafe<{ digest: string | null; n: bigint }[]>(`SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) AS digest, count(*) AS n FROM "${name}" t`);
    parts.push(`${name}:${row.n}:${row.digest}`);
  }
  return parts.join('\n');
}

/** Routes of better-auth's admin plugin, which is no longer installed: they must not come back. */
const FORMER_ADMIN_ROUTES = [
  '/admin/set-role',
  '/admin/get-user',
  '/admin/create-user',
  '/admin/update-user',
  '/admin/list-users',
  '/admin/list-user-sessions',
  '/admin/unban-user',
  '/admin/ban-user',
  '/admin/impersonate-user',
  '/admin/stop-impersonating',
  '/admin/revoke-user-session',
  '/admin/revoke-user-sessions',
  '/admin/remove-user',
  '/admin/set-user-password',
  '/admin/has-permission',
];

describe('HTTP reaches better-auth only for sign-in, sign-out and get-session', () => {
  const origin = 'http://localhost:3000';
  const request = (path: string, init: { method: string; cookie?: string; body?: unknown }) =>
    new Request(`${origin}/api/auth${path}`, {
      method: init.method,
      headers: { origin, 'content-type': 'application/json', ...(init.cookie ? { cookie: init.cookie } : {}) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });

  it("every other route of better-auth's own list answers 404 to an admin, and changes no row", async () => {
    const admin = await createSignedInUser('admin');
    const victim = await createSignedInUser('annotator');
    const cookie = admin.headers.get('cookie') ?? '';
    // The routes as this better-auth version defines them, read at run time: a route added by an upgrade is covered too.
    const endpoints = Object.values(auth.api as Record<string, { path?: string; options?: { method?: string | string[] } }>)
      .filter((endpoint) => typeof endpoint.path === 'string')
      .map((endpoint) => ({ path: endpoint.path as string, methods: [endpoint.options?.method ?? 'POST'].flat().filter((m) => m !== '*') }));
    const paths = endpoints.map((endpoint) => endpoint.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/sign-in/email',
        '/sign-out',
        '/get-session',
        '/sign-up/email',
        '/update-user',
        '/change-email',
        '/change-password',
        '/list-sessions',
        '/revoke-sessions',
        '/request-password-reset',
        '/reset-password',
        '/verify-email',
        '/delete-user',
      ]),
    );
    expect(endpoints.length).toBeGreaterThan(20);

    const allowed = new Set(['POST /sign-in/email', 'POST /sign-out', 'GET /get-session']);
    // What an attacker would send: another user's id, a huge name, a new email and password, a role.
    const body = {
      userId: victim.id,
      name: 'n'.repeat(200_000),
      email: 'taken@example.test',
      newEmail: 'taken@example.test',
      password: 'pwned password',
      newPassword: 'pwned password',
      currentPassword: admin.password,
      role: 'admin',
      token: 'x',
      callbackURL: '/',
    };
    const before = await fingerprintAllTables();
    const answered: string[] = [];
    const routes = [...endpoints, ...FORMER_ADMIN_ROUTES.map((path) => ({ path, methods: ['GET', 'POST'] }))];
    for (const { path, methods } of routes) {
      const concretePath = path.replace(/:[a-zA-Z]+/g, 'x');
      for (const method of ['GET', 'POST', ...methods]) {
        if (allowed.has(`${method} ${path}`)) continue;
        const response = await handleAuthRequest(request(concretePath, { method, cookie, body: method === 'GET' ? undefined : body }), '127.0.0.1');
        answered.push(`${method} ${path} ${response.status}`);
      }
    }
    expect(answered.filter((line) => !line.endsWith(' 404'))).toEqual([]);
    expect(answered.length).toBeGreaterThan(60);
    expect(await fingerprintAllTables()).toBe(before);

    // Control: the same cookie is a valid admin session, and the three allowed routes answer.
    const session = await handleAuthRequest(request('/get-session', { method: 'GET', cookie }), '127.0.0.1');
    expect(session.status).toBe(200);
    expect(((await session.json()) as { user: { id: string } }).user.id).toBe(admin.id);
    const signInResponse = await handleAuthRequest(request('/sign-in/email', { method: 'POST', body: { email: victim.email, password: victim.password } }), '127.0.0.1');
    expect(signInResponse.status).toBe(200);
    const signOut = await handleAuthRequest(request('/sign-out', { method: 'POST', cookie }), '127.0.0.1');
    expect(signOut.status).toBe(200);
    expect(await (await callerFor(admin)).session.me()).toBeNull();
  });

  it('paths outside /api/auth and odd spellings are 404 too', async () => {
    for (const url of [
      `${origin}/api/auth`,
      `${origin}/api/auth/`,
      `${origin}/api/authsign-in/email`,
      `${origin}/api/auth/sign-in/email/`,
      `${origin}/api/auth/SIGN-IN/email`,
      `${origin}/api/auth/__proto__`,
      `${origin}/api/auth/constructor`,
    ]) {
      expect((await handleAuthRequest(new Request(url, { method: 'POST', body: '{}' }), '127.0.0.1')).status, url).toBe(404);
    }
  });

  it('a disabled account is refused with 403 even with the right password, and it is not counted as a failure', async () => {
    const annotator = await createSignedInUser('annotator');
    await setUserDisabled({ userId: annotator.id, disabled: true });
    const response = await handleAuthRequest(request('/sign-in/email', { method: 'POST', body: { email: annotator.email, password: annotator.password } }), '198.51.100.20');
    expect(response.status).toBe(403);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(((await response.json()) as { message: string }).message).toMatch(/disabled/);
    expect(await db.session.count({ where: { userId: annotator.id } })).toBe(0);
    expect(await db.signInFailure.count({ where: { email: annotator.email } })).toBe(0);
  });
});
