/**
 * Who may call what: every tRPC procedure × every role, from one table.
 * A procedure added without a row in tests/helpers/expected-access.ts fails the first test, so no endpoint ships without a rule.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { TRPCError } from '@trpc/server';
import { appRouter } from '@/server/api/root';
import type { Access } from '@/server/api/trpc';
import { callerFor, createSignedInUser, type TestUser } from '../helpers/api';
import { EXPECTED_ACCESS, ROLES, isAllowed, type Role } from '../helpers/expected-access';

function declaredProcedures(): Map<string, Access | undefined> {
  // At run time tRPC keeps a flat map of dotted paths to procedures.
  const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { meta?: { access?: Access } } }>;
  return new Map(Object.entries(procedures).map(([name, procedure]) => [name, procedure._def.meta?.access]));
}

/** Calls a procedure by its dotted path with an input that is not valid for any of them. */
async function callWithoutValidInput(caller: unknown, name: string): Promise<{ code: string | null }> {
  const fn = name.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller) as (input: unknown) => Promise<unknown>;
  try {
    await fn({ __probe: true });
    return { code: null };
  } catch (error) {
    if (error instanceof TRPCError) return { code: error.code };
    throw error;
  }
}

describe('access rules', () => {
  let users: Record<Role, TestUser | null>;

  beforeAll(async () => {
    users = { anonymous: null, annotator: await createSignedInUser('annotator'), reviewer: await createSignedInUser('reviewer'), admin: await createSignedInUser('admin') };
  });

  it('every procedure has exactly one rule in the table, and its declared access matches', () => {
    const declared = declaredProcedures();
    expect([...declared.keys()].sort()).toEqual(Object.keys(EXPECTED_ACCESS).sort());
    for (const [name, access] of declared) expect({ name, access }).toEqual({ name, access: EXPECTED_ACCESS[name] });
  });

  for (const role of ROLES) {
    it(`${role}: allowed procedures pass the access check, the others answer UNAUTHORIZED or FORBIDDEN`, async () => {
      const caller = await callerFor(users[role]);
      for (const name of declaredProcedures().keys()) {
        const access = EXPECTED_ACCESS[name] ?? 'admin';
        const { code } = await callWithoutValidInput(caller, name);
        if (isAllowed(access, role)) {
          expect({ name, code }, `${role} should reach ${name}`).not.toMatchObject({ code: expect.stringMatching(/^(UNAUTHORIZED|FORBIDDEN)$/) });
        } else {
          expect({ name, code }).toEqual({ name, code: role === 'anonymous' ? 'UNAUTHORIZED' : 'FORBIDDEN' });
        }
      }
    });
  }
});
