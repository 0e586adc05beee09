/**
 * Failed sign-ins, counted in PostgreSQL per client address and per account.
 *
 * Before a password is checked, the attempt takes a row in SignInFailure, unless the address has
 * `addressLimit` failures in the last minute or the account `accountLimit` in the last 15 minutes
 * (then the caller answers 429 with the time until the oldest counted failure leaves its window).
 * When the password turns out right, the row is deleted again, so successes never count: a whole
 * office behind one address can start a shift. Taking the row first, rather than writing it after
 * a failure, is what keeps a parallel burst honest: every attempt in flight already counts, so 30
 * concurrent wrong passwords get at most `addressLimit` password checks, not 30.
 *
 * The check and the insert run under a transaction-scoped advisory lock per address and per
 * account, so two attempts cannot both see room for one more. Locks are always taken address
 * first, so two transactions never wait on each other in a cycle.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { Prisma } from '../generated/prisma/client';
import { db } from '../db';

const ADDRESS_WINDOW_SECONDS = 60;
const ACCOUNT_WINDOW_SECONDS = 15 * 60;
/** Rows older than this count for nothing; they are deleted now and then (see `reserveSignInAttempt`). */
const RETENTION_SECONDS = 60 * 60;
/** One reservation in this many also sweeps old rows of every address (an indexed delete per key runs every time). */
const SWEEP_EVERY = 64;
/** Advisory lock namespaces (the first argument of the two-key pg_advisory_xact_lock). */
const LOCK_ADDRESS = 0x51_67_01;
const LOCK_ACCOUNT = 0x51_67_02;

/** Timestamps are UTC in `timestamp without time zone` columns; clock_timestamp, not now(): the lock wait is inside the transaction. */
const CLOCK_UTC = Prisma.sql`(clock_timestamp() AT TIME ZONE 'UTC')`;

export type SignInReservation = { isAllowed: true; attemptId: number } | { isAllowed: false; limitedBy: 'address' | 'account'; retryAfterSeconds: number };

/**
 * The key an address is counted under: an IPv4 address as is, an IPv6 address as its /64 (one
 * customer's network: anyone holding one address usually holds the whole /64), an IPv4-mapped
 * IPv6 address as its IPv4 address.
 */
export function signInAddressKey(address: string): string {
  const trimmed = address
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/%.*$/, '');
  if (isIPv4(trimmed)) return trimmed;
  if (!isIPv6(trimmed)) return trimmed.slice(0, 200);
  const groups = expandIPv6(trimmed);
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (a trailing dotted IPv4 part becomes two groups). */
function expandIPv6(address: string): number[] {
  let text = address;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1].split('.').map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, null];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const zeros = tail === null ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((group) => Number.parseInt(group, 16));
}

/**
 * Counts this attempt as a failure in advance, or refuses it when the address or the account is
 * over its limit. Call `forgetSignInAttempt` when the password was right (or never checked).
 */
export async function reserveSignInAttempt(options: { address: string; email: string; addressLimit: number; accountLimit: number }): Promise<SignInReservation> {
  const address = signInAddressKey(options.address);
  const email = options.email.trim().toLowerCase();
  const reservation = await db.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${LOCK_ADDRESS}::int, hashtext(${address}))`;
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${LOCK_ACCOUNT}::int, hashtext(${email}))`;
      // The limit-th newest failure in a window decides: while it exists the key is at its
      // limit, and it leaves the window at its time plus the window's length.
      const rows = await tx.$queryRaw<{ attemptId: number | null; addressRetry: number | null; accountRetry: number | null }[]>`
        WITH address_block AS (
          SELECT "createdAt" + make_interval(secs => ${ADDRESS_WINDOW_SECONDS}::int) AS until FROM "SignInFailure"
          WHERE address = ${address} AND "createdAt" > ${CLOCK_UTC} - make_interval(secs => ${ADDRESS_WINDOW_SECONDS}::int)
          ORDER BY "createdAt" DESC OFFSET ${options.addressLimit - 1}::int LIMIT 1
        ), account_block AS (
          SELECT "createdAt" + make_interval(secs => ${ACCOUNT_WINDOW_SECONDS}::int) AS until FROM "SignInFailure"
          WHERE email = ${email} AND "createdAt" > ${CLOCK_UTC} - make_interval(secs => ${ACCOUNT_WINDOW_SECONDS}::int)
          ORDER BY "createdAt" DESC OFFSET ${options.accountLimit - 1}::int LIMIT 1
        ), inserted AS (
          INSERT INTO "SignInFailure" (address, email, "createdAt")
          SELECT ${address}, ${email}, ${CLOCK_UTC}
          WHERE NOT EXISTS (SELECT 1 FROM address_block) AND NOT EXISTS (SELECT 1 FROM account_block)
          RETURNING id
        )
        SELECT (SELECT id FROM inserted) AS "attemptId",
          (SELECT ceil(extract(epoch FROM until - ${CLOCK_UTC}))::int FROM address_block) AS "addressRetry",
          (SELECT ceil(extract(epoch FROM until - ${CLOCK_UTC}))::int FROM account_block) AS "accountRetry"`;
      await tx.$executeRaw`
        DELETE FROM "SignInFailure"
        WHERE (address = ${address} OR email = ${email}) AND "createdAt" < ${CLOCK_UTC} - make_interval(secs => ${RETENTION_SECONDS}::int)`;
      return rows[0];
    },
    // Attempts on one key queue on its lock; each holds it for a few milliseconds.
    { maxWait: 10_000, timeout: 10_000 },
  );
  if (reservation.attemptId !== null) {
    if (reservation.attemptId % SWEEP_EVERY === 0) await deleteOldSignInFailures();
    return { isAllowed: true, attemptId: reservation.attemptId };
  }
  const limitedBy = reservation.accountRetry !== null ? 'account' : 'address';
  const retryAfterSeconds = Math.max(1, Math.max(reservation.accountRetry ?? 0, reservation.addressRetry ?? 0));
  return { isAllowed: false, limitedBy, retryAfterSeconds };
}

/** The attempt did not fail on its password (it succeeded, or was refused before the check): it does not count. */
export async function forgetSignInAttempt(options: { attemptId: number }) {
  await db.signInFailure.deleteMany({ where: { id: options.attemptId } });
}

/** Rows past every window, of any address or account. */
export async function deleteOldSignInFailures() {
  await db.$executeRaw`DELETE FROM "SignInFailure" WHERE "createdAt" < (now() AT TIME ZONE 'UTC') - make_interval(secs => ${RETENTION_SECONDS}::int)`;
}

/** An account's failures, inside the caller's transaction (removing a person's data removes the email they were tried under). */
export async function deleteSignInFailuresForEmail(tx: Prisma.TransactionClient, email: string) {
  await tx.signInFailure.deleteMany({ where: { email: email.trim().toLowerCase() } });
}
