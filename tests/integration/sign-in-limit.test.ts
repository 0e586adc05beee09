/**
 * Sign-in limits over the real auth handler: `handleAuthRequest` is what the HTTP edge calls with
 * the client address it decided, so these requests take the same path a browser's do.
 *
 * Limits for this file: 10 failures per address per minute, 12 per account per 15 minutes (set
 * before the server modules load, which read them once).
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';

process.env.AUTH_SIGNIN_LIMIT_PER_MINUTE = '10';
process.env.AUTH_ACCOUNT_FAILURE_LIMIT = '12';
const ADDRESS_LIMIT = 10;
const ACCOUNT_LIMIT = 12;

const { handleAuthRequest } = await import('@/server/auth-routes');
const { db } = await import('@/server/db');
const { createUserAccount } = await import('@/server/services/users');

const ORIGIN = 'http://localhost:3000';
const PASSWORD = 'the right password';

function signInRequest(email: string, password: string, forwardedFor?: string): Request {
  return new Request(`${ORIGIN}/api/auth/sign-in/email`, {
    method: 'POST',
    headers: { origin: ORIGIN, 'content-type': 'application/json', ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
    body: JSON.stringify({ email, password }),
  });
}

async function signInStatus(email: string, password: string, clientAddress: string, forwardedFor?: string): Promise<number> {
  const response = await handleAuthRequest(signInRequest(email, password, forwardedFor), clientAddress);
  await response.arrayBuffer();
  return response.status;
}

async function createAccount(): Promise<string> {
  const email = `limit-${randomUUID().slice(0, 8)}@example.test`;
  await createUserAccount({ email, password: PASSWORD, name: 'Limit tester', role: 'annotator' });
  return email;
}

const failureCount = (where: { address?: string; email?: string }) => db.signInFailure.count({ where });

describe('sign-in limits', () => {
  beforeAll(async () => {
    await db.signInFailure.deleteMany();
  });

  it('counts the address the edge gives, not X-Forwarded-For: a fresh spoofed header per attempt does not reset it', async () => {
    const email = await createAccount();
    const address = '203.0.113.7';
    for (let i = 0; i < ADDRESS_LIMIT; i++) expect(await signInStatus(email, 'wrong password', address, `198.18.0.${i + 1}`)).toBe(401);
    const refused = await handleAuthRequest(signInRequest(email, PASSWORD, '198.18.1.1'), address);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(((await refused.json()) as { message: string }).message).toMatch(/^Too many failed sign-ins from your network\. Try again in \d+ seconds?\.$/);
    expect(refused.headers.getSetCookie()).toEqual([]);
    // Only the given address was stored, never the header's.
    expect(await failureCount({ address })).toBe(ADDRESS_LIMIT);
    expect(await db.signInFailure.count({ where: { address: { startsWith: '198.18.' } } })).toBe(0);

    // Another address still signs in to the same account (10 failures are under the account's 12).
    expect(await signInStatus(email, PASSWORD, '203.0.113.8', address)).toBe(200);
  });

  it('IPv6 addresses count per /64; another /64 is another network', async () => {
    const email = await createAccount();
    for (let i = 1; i <= ADDRESS_LIMIT; i++) expect(await signInStatus(`nobody-${i}@example.test`, 'wrong password', `2001:db8:1:2::${i.toString(16)}`)).toBe(401);
    expect(await signInStatus(email, PASSWORD, '2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe(429);
    expect(await signInStatus(email, PASSWORD, '2001:db8:1:3::1')).toBe(200);
    expect(await failureCount({ address: '2001:db8:1:2::/64' })).toBe(ADDRESS_LIMIT);
  });

  it('successes never count: 15 sign-ins from one address, then the right password still works, and no row is written', async () => {
    const emails = await Promise.all(Array.from({ length: 3 }, () => createAccount()));
    const address = '192.0.2.50';
    for (let i = 0; i < 15; i++) expect(await signInStatus(emails[i % 3], PASSWORD, address)).toBe(200);
    expect(await signInStatus(emails[0], PASSWORD, address)).toBe(200);
    expect(await failureCount({ address })).toBe(0);
    for (const email of emails) expect(await failureCount({ email })).toBe(0);

    // Failures below the limit, then successes: only the failures are stored.
    for (let i = 0; i < ADDRESS_LIMIT - 1; i++) expect(await signInStatus(emails[1], 'wrong password', address)).toBe(401);
    for (let i = 0; i < 5; i++) expect(await signInStatus(emails[i % 3], PASSWORD, address)).toBe(200);
    expect(await failureCount({ address })).toBe(ADDRESS_LIMIT - 1);
  });

  it('wrong passwords for one account from 13 addresses hit the account limit; the right one is refused too until the window passes', async () => {
    const email = await createAccount();
    for (let i = 1; i <= ACCOUNT_LIMIT; i++) expect(await signInStatus(email, 'wrong password', `198.51.100.${i}`)).toBe(401);
    const refused = await handleAuthRequest(signInRequest(email, 'wrong password'), '198.51.100.13');
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(((await refused.json()) as { message: string }).message).toBe('Too many failed sign-ins for this account. Try again in 15 minutes.');
    // The right password, from an address never seen before, and in capitals: still refused.
    expect(await signInStatus(email, PASSWORD, '198.51.100.200')).toBe(429);
    expect(await signInStatus(email.toUpperCase(), PASSWORD, '198.51.100.201')).toBe(429);
    expect(await failureCount({ email })).toBe(ACCOUNT_LIMIT);

    // Fifteen minutes on (the stored failures moved back, no waiting): the right password works.
    await db.$executeRaw`UPDATE "SignInFailure" SET "createdAt" = "createdAt" - interval '15 minutes 1 second' WHERE email = ${email}`;
    expect(await signInStatus(email, PASSWORD, '198.51.100.200')).toBe(200);
  });

  it('a parallel burst of 30 wrong passwords from one address gets at most the limit (+2) password checks', async () => {
    const email = await createAccount();
    const address = '192.0.2.99';
    const statuses = await Promise.all(Array.from({ length: 30 }, () => signInStatus(email, 'wrong password', address)));
    const checked = statuses.filter((status) => status !== 429);
    expect(checked.every((status) => status === 401)).toBe(true);
    expect(checked.length).toBeGreaterThanOrEqual(1);
    expect(checked.length).toBeLessThanOrEqual(ADDRESS_LIMIT + 2);
    expect(statuses.filter((status) => status === 429)).toHaveLength(30 - checked.length);
    expect(await failureCount({ address })).toBe(checked.length);
  });

  it('malformed bodies are a 400 and count nothing; failures older than an hour are deleted', async () => {
    const address = '192.0.2.150';
    for (const body of ['not json', '{}', JSON.stringify({ email: 42, password: 'x' }), JSON.stringify({ email: 'a@example.test' })]) {
      const response = await handleAuthRequest(new Request(`${ORIGIN}/api/auth/sign-in/email`, { method: 'POST', headers: { origin: ORIGIN, 'content-type': 'application/json' }, body }), address);
      expect(response.status, body).toBe(400);
    }
    expect(await failureCount({ address })).toBe(0);

    const email = await createAccount();
    await db.$executeRaw`INSERT INTO "SignInFailure" (address, email, "createdAt") VALUES (${address}, 'old@example.test', (now() AT TIME ZONE 'UTC') - interval '61 minutes')`;
    await db.$executeRaw`INSERT INTO "SignInFailure" (address, email, "createdAt") VALUES (${address}, 'recent@example.test', (now() AT TIME ZONE 'UTC') - interval '59 minutes')`;
    expect(await signInStatus(email, 'wrong password', address)).toBe(401);
    expect(await db.signInFailure.findMany({ where: { address }, orderBy: { id: 'asc' }, select: { email: true } })).toEqual([{ email: 'recent@example.test' }, { email }]);
  });
});
