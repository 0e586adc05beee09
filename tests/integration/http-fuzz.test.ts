/**
 * Property-based fuzzing of the real production server over HTTP (run it under
 * `flock /tmp/feedloop-e2e.lock`: it serves the shared `next build`).
 *
 * Every tRPC procedure is read from the router itself, and its inputs are generated from its own
 * zod input schema (a small zod 4 → fast-check translator below), mixed with hostile values: ids
 * past 32 bits, -1, NaN-ish strings, NUL, lone surrogates, 1 MB strings, 200-deep nesting, wrong
 * types, extra and missing keys, broken superjson envelopes. Each input goes over the wire as the
 * browser sends it (superjson; `?input=` for queries, a JSON body for mutations) as an anonymous
 * visitor, an annotator and an admin, with real session cookies.
 *
 * What must hold: no answer is a 5xx, and a refused call (4xx) changes no row of any table (a
 * digest of every table is compared before and after). The auth routes, /api/health, the pages and
 * whatever /api/v1 and /api/datasets routes exist get hostile paths and bodies too.
 *
 * 15 runs per procedure and role by default (the file takes about a minute); FUZZ_RUNS=<n> for more.
 */
import { authRoute } from '@/server/http/auth-route';
import { TRPC_MAX_BODY_BYTES } from '@/server/http/trpc-route';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import superjson from 'superjson';
import type { z } from 'zod';
import { appRouter } from '@/server/api/root';
import { db } from '@/server/db';
import { createUserAccount } from '@/server/services/users';
import { startRealServer, type RealServer } from '../helpers/http-server';
import { EXPECTED_ACCESS, isAllowed, type Role } from '../helpers/expected-access';
import { createQueueProject } from './queue-fixtures';

const RUNS = Number(process.env.FUZZ_RUNS ?? 15);
/** The same seed gives the same inputs; FUZZ_SEED replays a failure that fast-check reported. */
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

type Procedure = { _def: { type: 'query' | 'mutation' | 'subscription'; inputs: z.ZodType[] } };
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, Procedure>);

// ---------------------------------------------------------------------------------------------
// zod 4 → fast-check. Reads the public `_zod.def` of each schema kind the router uses; anything
// it does not know becomes fc.anything(), which is a fine fuzz input too.

type Def = { type: string; checks?: { _zod: { def: Record<string, unknown> } }[]; [key: string]: unknown };
const defOf = (schema: unknown): Def => (schema as { _zod: { def: Def } })._zod.def;

function checksOf(def: Def): Record<string, unknown>[] {
  return (def.checks ?? []).map((check) => check._zod.def);
}

function stringArbitrary(def: Def): fc.Arbitrary<string> {
  let minLength = 0;
  let maxLength = 60;
  for (const check of checksOf(def)) {
    if (check.check === 'min_length') minLength = Math.max(minLength, Number(check.minimum));
    if (check.check === 'max_length') maxLength = Math.min(Math.max(minLength, Number(check.maximum)), Math.max(minLength, 60));
    if (check.check === 'length_equals') minLength = maxLength = Number(check.length);
    if (check.check === 'string_format') {
      if (check.format === 'uuid' || check.format === 'guid') return fc.uuid();
      if (check.format === 'email') return fc.emailAddress();
      if (check.format === 'url') return fc.webUrl();
      if (check.format === 'regex' && check.pattern instanceof RegExp) return fc.stringMatching(check.pattern);
    }
  }
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ minLength, maxLength }) },
    // Any code unit: NUL, lone surrogates, control characters.
    { weight: 1, arbitrary: fc.string({ minLength, maxLength, unit: 'binary' }) },
  );
}

function numberArbitrary(def: Def): fc.Arbitrary<number> {
  let min = -(2 ** 53);
  let max = 2 ** 53;
  let isInteger = false;
  for (const check of checksOf(def)) {
    if (check.check === 'number_format') isInteger = true;
    if (check.check === 'greater_than') min = Number(check.value) + (check.inclusive ? 0 : isInteger ? 1 : Number.EPSILON);
    if (check.check === 'less_than') max = Number(check.value) - (check.inclusive ? 0 : isInteger ? 1 : Number.EPSILON);
  }
  if (!isInteger) return fc.double({ min, max, noNaN: true });
  min = Math.max(min, Number.MIN_SAFE_INTEGER);
  max = Math.min(max, Number.MAX_SAFE_INTEGER);
  // Small values near the bottom of the range hit the rows that exist (ids 1, 2, 3 ...).
  return fc.oneof({ weight: 3, arbitrary: fc.integer({ min, max: Math.min(max, min + 20) }) }, { weight: 1, arbitrary: fc.integer({ min, max }) });
}

export function arbitraryFor(schema: unknown, depth = 0): fc.Arbitrary<unknown> {
  if (depth > 8) return fc.constant(null);
  const def = defOf(schema);
  const inner = (key: string) => arbitraryFor(def[key], depth + 1);
  switch (def.type) {
    case 'object': {
      const shape = def.shape as Record<string, unknown>;
      const requiredKeys = Object.keys(shape).filter((key) => !['optional', 'default', 'prefault'].includes(defOf(shape[key]).type));
      const fields = Object.fromEntries(Object.entries(shape).map(([key, value]) => [key, arbitraryFor(value, depth + 1)]));
      return fc.record(fields, { requiredKeys });
    }
    case 'string':
      return stringArbitrary(def);
    case 'number':
      return numberArbitrary(def);
    case 'bigint':
      return fc.bigInt();
    case 'boolean':
      return fc.boolean();
    case 'date':
      return fc.date();
    case 'null':
      return fc.constant(null);
    case 'undefined':
    case 'void':
      return fc.constant(undefined);
    case 'enum':
      return fc.constantFrom(...Object.values(def.entries as Record<string, string | number>));
    case 'literal':
      return fc.constantFrom(...(def.values as unknown[]));
    case 'array': {
      let minLength = 0;
      let maxLength = 4;
      for (const check of checksOf(def)) {
        if (check.check === 'min_length') minLength = Number(check.minimum);
        if (check.check === 'max_length') maxLength = Math.min(Number(check.maximum), Math.max(minLength, 4));
      }
      return fc.array(inner('element'), { minLength, maxLength: Math.max(minLength, maxLength) });
    }
    case 'tuple':
      return fc.tuple(...(def.items as unknown[]).map((item) => arbitraryFor(item, depth + 1)));
    case 'optional':
      return fc.option(inner('innerType'), { nil: undefined, freq: 4 });
    case 'nullable':
      return fc.option(inner('innerType'), { nil: null, freq: 4 });
    case 'default':
    case 'prefault':
      return fc.option(inner('innerType'), { nil: undefined, freq: 3 });
    case 'readonly':
    case 'catch':
    case 'nonoptional':
    case 'success':
      return inner('innerType');
    case 'union':
      return fc.oneof(...(def.options as unknown[]).map((option) => arbitraryFor(option, depth + 1)));
    case 'record':
      return fc.dictionary(inner('keyType').map(String), inner('valueType'), { maxKeys: 4 });
    case 'pipe':
      return inner('in');
    case 'lazy':
      return arbitraryFor((def.getter as () => unknown)(), depth + 1);
    default:
      return fc.anything();
  }
}

// ---------------------------------------------------------------------------------------------
// Hostile values and mutations of otherwise well-formed inputs.

function deeplyNested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
}

const ONE_MB = 'x'.repeat(1 << 20);
const HOSTILE_VALUES: unknown[] = [
  2 ** 31,
  2 ** 53,
  2 ** 53 + 2,
  -1,
  0,
  -(2 ** 31) - 1,
  1e308,
  0.5,
  'NaN',
  'Infinity',
  '-0',
  '1e309',
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\u202e\u200b',
  ONE_MB,
  deeplyNested(200),
  [],
  {},
  null,
  true,
  [2 ** 31],
  // Own keys named like the prototype chain (as JSON.parse makes them), not prototypes.
  JSON.parse('{"__proto__": {"isAdmin": true}, "constructor": {"prototype": {"polluted": true}}}'),
  '__proto__',
  '\'; DROP TABLE "User"; --',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
];
const hostileValue: fc.Arbitrary<unknown> = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...HOSTILE_VALUES) }, { weight: 1, arbitrary: fc.anything() });

/** Every path to a value inside `value` (objects and arrays), the root included as []. */
function pathsOf(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (prefix.length < 6 && value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) pathsOf(child, [...prefix, Array.isArray(value) ? Number(key) : key], out);
  }
  return out;
}

type Mutation = 'replace' | 'extra-key' | 'delete-key';
function mutate(value: unknown, hostile: unknown, pick: number, mutation: Mutation): unknown {
  const copy = structuredClone(value);
  const paths = pathsOf(copy);
  const path = paths[pick % paths.length];
  if (path.length === 0) return mutation === 'replace' ? hostile : copy;
  const parent = path.slice(0, -1).reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], copy) as Record<string | number, unknown>;
  const key = path[path.length - 1];
  if (mutation === 'replace') parent[key] = hostile;
  else if (mutation === 'delete-key') delete parent[key];
  else if (!Array.isArray(parent)) parent[`extra_${String(key)}`] = hostile;
  return copy;
}

function fuzzInput(schema: unknown): fc.Arbitrary<unknown> {
  const valid = schema ? arbitraryFor(schema) : fc.constant(undefined);
  const mutated = fc
    .tuple(valid, hostileValue, fc.nat(), fc.constantFrom<Mutation>('replace', 'extra-key', 'delete-key'))
    .map(([value, hostile, pick, mutation]) => mutate(value, hostile, pick, mutation));
  return fc.oneof({ weight: 3, arbitrary: valid }, { weight: 3, arbitrary: mutated }, { weight: 1, arbitrary: hostileValue });
}

// ---------------------------------------------------------------------------------------------
// The wire, and what a refused call must not do.

let server: RealServer;
const cookies: Record<Role, string> = { anonymous: '', annotator: '', reviewer: '', admin: '' };

type Sent = { status: number; body: string };
/** Sends one request; a connection the server drops is reported as status 0. */
async function send(path: string, init: RequestInit & { role: Role }): Promise<Sent> {
  const headers = new Headers(init.headers);
  headers.set('origin', server.baseUrl);
  if (cookies[init.role]) headers.set('cookie', cookies[init.role]);
  try {
    const response = await fetch(`${server.baseUrl}${path}`, { ...init, headers, redirect: 'manual' });
    return { status: response.status, body: (await response.text()).slice(0, 600) };
  } catch (error) {
    const reason = error instanceof Error ? `${error.message} ${String(error.cause ?? '')}` : String(error);
    // The edge answers 413 to a body over the limit before reading it, and closes the connection:
    // a client still writing sees EPIPE or a reset instead of the answer. That is a refusal, as
    // long as the server is still there.
    const bodyBytes = typeof init.body === 'string' ? Buffer.byteLength(init.body) : 0;
    const limit = path.startsWith('/api/auth/') ? authRoute.maxBodyBytes : TRPC_MAX_BODY_BYTES;
    if (bodyBytes > limit && /EPIPE|ECONNRESET|other side closed/.test(reason) && (await fetch(`${server.baseUrl}/api/health`)).ok) {
      return { status: 413, body: `connection closed while a ${bodyBytes}-byte body was being sent (${reason})` };
    }
    return { status: 0, body: `no answer: ${reason}` };
  }
}

async function callProcedure(name: string, type: string, input: unknown, role: Role): Promise<Sent> {
  let wire: string | undefined;
  try {
    wire = input === undefined ? undefined : JSON.stringify(superjson.serialize(input));
  } catch {
    // superjson will not serialize an own "__proto__" key; a hostile client writes the envelope by hand.
    wire = JSON.stringify({ json: input });
  }
  if (type === 'query') return send(`/api/trpc/${name}${wire === undefined ? '' : `?input=${encodeURIComponent(wire)}`}`, { method: 'GET', role });
  return send(`/api/trpc/${name}`, { method: 'POST', role, headers: { 'content-type': 'application/json' }, body: wire });
}

/** Tables a refused request may legitimately write: sessions and the sign-in bookkeeping. */
const AUTH_BOOKKEEPING = ['session', 'verification', 'rateLimit', '_prisma_migrations', 'SignInFailure'];
let fingerprintSql = '';

/** One row per table: its row count and an md5 of all its rows. */
async function databaseFingerprint(ignore: string[] = AUTH_BOOKKEEPING): Promise<Map<string, string>> {
  if (!fingerprintSql) {
    const tables = await db.$queryRaw<{ name: string }[]>`
      SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`;
    fingerprintSql = tables
      .map(({ name }) => `SELECT '${name}' AS name, count(*)::text || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') AS digest FROM "${name}" t`)
      .join(' UNION ALL ');
  }
  const rows = await db.$queryRawUnsafe<{ name: string; digest: string }[]>(fingerprintSql);
  return new Map(rows.filter((row) => !ignore.includes(row.name)).map((row) => [row.name, row.digest]));
}

function changedTables(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after.keys()].filter((name) => before.get(name) !== after.get(name));
}

/** A failure report a person can replay: the request, what came back, and what changed. */
function describeCall(what: string, input: unknown, sent: Sent, changed: string[] = []) {
  let shown: string;
  try {
    shown = JSON.stringify(input, (_key, value) => (typeof value === 'string' && value.length > 200 ? `${value.slice(0, 200)}…(${value.length} chars)` : value));
  } catch {
    shown = String(input);
  }
  return `${what} input=${shown?.slice(0, 800)} → ${sent.status} ${sent.body}${changed.length ? ` changed: ${changed.join(', ')}` : ''}`;
}

/** Runs the property; a failure message names the request (fast-check shrinks it first). */
async function assertProperty<T>(arbitrary: fc.Arbitrary<T>, check: (value: T) => Promise<void>, runs = RUNS) {
  await fc.assert(fc.asyncProperty(arbitrary, check), { numRuns: runs, seed: SEED, endOnFailure: true });
}

describe('fuzzing the real server over HTTP', () => {
  beforeAll(async () => {
    server = await startRealServer({ databaseUrl: process.env.DATABASE_URL });
    const password = 'fuzzing password 1';
    await createUserAccount({ email: 'fuzz-admin@example.test', password, name: 'Fuzz Admin', role: 'admin' });
    await createUserAccount({ email: 'fuzz-annotator@example.test', password, name: 'Fuzz Annotator', role: 'annotator' });
    cookies.admin = await server.signIn('fuzz-admin@example.test', password);
    cookies.annotator = await server.signIn('fuzz-annotator@example.test', password);
    // Rows for the generated ids (which start small) to find: projects, tasks, a lease.
    await createQueueProject({ taskCount: 4, overlap: 2 });
    await createQueueProject({ taskCount: 2, overlap: 1, form: { questions: [{ id: 'quality', type: 'likert', label: 'Quality', min: 1, max: 5 }] }, completionsPerTask: 1 });
    // A stale `next build` is rebuilt first: minutes on a 2-core machine.
  }, 900_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('reads each procedure from the router, with an input schema or none', () => {
    expect(procedures.length).toBeGreaterThan(20);
    for (const [name, procedure] of procedures) {
      expect(['query', 'mutation'], name).toContain(procedure._def.type);
      expect(procedure._def.inputs.length, `${name}: at most one .input()`).toBeLessThanOrEqual(1);
    }
    // The translator covers the schemas it meets: every generated value is a value, never a throw.
    for (const [name, procedure] of procedures) {
      if (procedure._def.inputs[0]) expect(fc.sample(arbitraryFor(procedure._def.inputs[0]), { numRuns: 5, seed: 1 }).length, name).toBe(5);
    }
  });

  for (const [name, procedure] of procedures) {
    it(`${name}: no 5xx for generated and hostile input, and a refused call writes nothing`, async () => {
      const access = EXPECTED_ACCESS[name] ?? 'admin';
      const roles = fc.constantFrom<Role>('anonymous', 'annotator', 'admin');
      let before = await databaseFingerprint();
      await assertProperty(fc.tuple(fuzzInput(procedure._def.inputs[0]), roles), async ([input, role]) => {
        const sent = await callProcedure(name, procedure._def.type, input, role);
        const after = await databaseFingerprint();
        const changed = changedTables(before, after);
        before = after;
        expect(sent.status, describeCall(`${role} ${name}`, input, sent)).toBeGreaterThanOrEqual(200);
        expect(sent.status, describeCall(`${role} ${name}`, input, sent)).toBeLessThan(500);
        // Refused before the procedure runs: by its access rule, or by the HTTP layer for an oversized request (431 for a URL past Node's header limit, 413 for a body).
        if (!isAllowed(access, role)) expect([role === 'anonymous' ? 401 : 403, 413, 414, 431], describeCall(`${role} ${name}`, input, sent)).toContain(sent.status);
        if (sent.status >= 400) expect(changed, describeCall(`refused ${role} ${name}`, input, sent, changed)).toEqual([]);
      });
    });
  }

  it('broken wire formats: bad JSON, superjson meta that lies, wrong methods and content types', async () => {
    const bodies = [
      '{',
      'null',
      '[]',
      '"just a string"',
      '{"json": {"projectId": 1}, "meta": {"values": {"projectId": ["bigint"]}}}',
      '{"json": {"projectId": "not a date"}, "meta": {"values": {"projectId": ["Date"]}}}',
      '{"json": {"projectId": "(a+)+$"}, "meta": {"values": {"projectId": ["regexp"]}}}',
      '{"json": {"projectId": 1}, "meta": {"values": {"projectId": ["class", "Evil"]}}}',
      '{"json": {"projectId": 1}, "meta": {"values": {"projectId": ["custom", "nope"]}}}',
      '{"json": {"projectId": 1}, "meta": {"values": {"__proto__.polluted": ["Date"]}}}',
      '{"json": {"projectId": 1}, "meta": {"referentialEqualities": {"projectId": ["__proto__.x"]}}}',
      '{"json": {"projectId": 1}, "meta": "not an object"}',
      `{"json": ${JSON.stringify(deeplyNested(200))}}`,
      `{"json": {"projectId": 1, "pad": "${'y'.repeat(1 << 20)}"}}`,
    ];
    const mutations = procedures.filter(([, procedure]) => procedure._def.type === 'mutation').map(([name]) => name);
    const queries = procedures.filter(([, procedure]) => procedure._def.type === 'query').map(([name]) => name);
    await assertProperty(
      fc.tuple(
        fc.constantFrom(...mutations),
        fc.constantFrom(...queries),
        fc.constantFrom(...bodies),
        fc.constantFrom<Role>('annotator', 'admin'),
        fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'),
      ),
      async ([mutation, query, body, role, contentType]) => {
        let before = await databaseFingerprint();
        const checks: [string, Sent][] = [
          [`POST ${mutation}`, await send(`/api/trpc/${mutation}`, { method: 'POST', role, headers: { 'content-type': contentType }, body })],
          [`GET ${query}`, await send(`/api/trpc/${query}?input=${encodeURIComponent(body.slice(0, 4000))}`, { method: 'GET', role })],
          [`GET ${mutation} (a mutation)`, await send(`/api/trpc/${mutation}?input=${encodeURIComponent('{"json":{}}')}`, { method: 'GET', role })],
          [`POST ${query} (a query)`, await send(`/api/trpc/${query}`, { method: 'POST', role, headers: { 'content-type': 'application/json' }, body: '{"json":{}}' })],
          [
            `batched ${query},${mutation}`,
            await send(`/api/trpc/${query},${mutation}?batch=1`, { method: 'POST', role, headers: { 'content-type': 'application/json' }, body: `{"0": ${body}, "1": ${body}}` }),
          ],
        ];
        for (const [what, sent] of checks) {
          const after = await databaseFingerprint();
          expect(sent.status, describeCall(`${role} ${what}`, body, sent)).toBeGreaterThanOrEqual(200);
          expect(sent.status, describeCall(`${role} ${what}`, body, sent)).toBeLessThan(500);
          if (sent.status >= 400) expect(changedTables(before, after), describeCall(`refused ${role} ${what}`, body, sent)).toEqual([]);
          before = after;
        }
      },
      Math.max(5, Math.round(RUNS / 2)),
    );
  });

  it('the sign-in route: hostile bodies are refused with a 4xx, and sign no one in', async () => {
    const field = fc.oneof(fc.emailAddress(), fc.string(), fc.constantFrom(...HOSTILE_VALUES));
    const body = fc.oneof(
      fc.record({ email: field, password: field }, { requiredKeys: [] }),
      fc.record(
        { email: fc.constant('fuzz-admin@example.test'), password: field, rememberMe: fc.anything(), callbackURL: fc.oneof(fc.webUrl(), fc.constant('javascript:alert(1)')) },
        { requiredKeys: ['email', 'password'] },
      ),
      fc.constantFrom(...HOSTILE_VALUES),
    );
    await assertProperty(fc.tuple(body, fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded')), async ([value, contentType]) => {
      const before = await databaseFingerprint([...AUTH_BOOKKEEPING, 'AuditLog']);
      const sessionsBefore = await db.session.count();
      let raw: string;
      try {
        raw = JSON.stringify(value) ?? '';
      } catch {
        raw = String(value);
      }
      const sent = await send('/api/auth/sign-in/email', { method: 'POST', role: 'anonymous', headers: { 'content-type': contentType }, body: raw });
      expect(sent.status, describeCall('sign-in', value, sent)).toBeGreaterThanOrEqual(200);
      expect(sent.status, describeCall('sign-in', value, sent)).toBeLessThan(500);
      if (sent.status >= 400) {
        expect(changedTables(before, await databaseFingerprint([...AUTH_BOOKKEEPING, 'AuditLog'])), describeCall('sign-in', value, sent)).toEqual([]);
        expect(await db.session.count(), describeCall('sign-in', value, sent)).toBe(sessionsBefore);
      }
    });
  });

  it('other routes: auth, health, pages, /api/v1 and /api/datasets, with hostile paths, methods and bodies', async () => {
    const segment = fc.oneof(
      fc.constantFrom('1', '0', '-1', '2147483648', '9007199254740993', 'NaN', '%00', '%ff', '%ud800', '..%2f..%2fetc%2fpasswd', '%2e%2e', 'x'.repeat(3000), '%E2%80%AE', 'null', '[id]'),
      fc.webSegment(),
      fc.string({ unit: 'binary', maxLength: 20 }).map(encodeURIComponent),
    );
    const base = fc.constantFrom(
      '/',
      '/login',
      '/annotate',
      '/annotate/',
      '/admin',
      '/admin/users',
      '/admin/workers',
      '/admin/projects/',
      '/admin/projects/new',
      '/api/health',
      '/api/auth/',
      '/api/auth/get-session',
      '/api/auth/sign-out',
      '/api/auth/sign-up/email',
      '/api/v1/',
      '/api/v1/projects',
      '/api/v1/projects/1/imports',
      '/api/v1/projects/1/feedback',
      '/api/v1/openapi.json',
      '/api/datasets/',
      '/api/trpc/',
    );
    const query = fc.oneof(
      fc.constant(''),
      fc.constantFrom('?tab=training', '?tab=%00', '?input=%7B', '?reason=forbidden', `?q=${'z'.repeat(5000)}`),
      fc.webQueryParameters().map((q) => `?${q}`),
    );
    const request = fc.record({
      path: fc.tuple(base, fc.array(segment, { maxLength: 3 }), query).map(([prefix, segments, q]) => `${prefix}${segments.join('/')}${q}`),
      method: fc.constantFrom('GET', 'GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
      role: fc.constantFrom<Role>('anonymous', 'annotator', 'admin'),
      body: fc.oneof(fc.constant(undefined), fc.json(), fc.constantFrom('{', '\u0000', ONE_MB, JSON.stringify(deeplyNested(200)))),
      // API keys look like fl_<id>_<secret>: ids past 32 bits, empty and oversized secrets.
      authorization: fc.constantFrom(undefined, 'Bearer fl_1_x', 'Bearer fl_2147483648_abc', 'Bearer fl_-1_', 'Bearer fl__', `Bearer fl_1_${'a'.repeat(8000)}`, 'Basic Zm9vOmJhcg==', 'Bearer'),
    });
    await assertProperty(
      request,
      async ({ path, method, role, body, authorization }) => {
        const before = await databaseFingerprint([...AUTH_BOOKKEEPING, 'AuditLog']);
        const hasBody = body !== undefined && method !== 'GET' && method !== 'HEAD';
        const headers: Record<string, string> = hasBody ? { 'content-type': 'application/json' } : {};
        if (authorization) headers.authorization = authorization;
        const sent = await send(path, { method, role, headers, body: hasBody ? body : undefined });
        const label = `${role} ${method} ${path.slice(0, 300)}`;
        expect(sent.status, describeCall(label, body, sent)).toBeGreaterThanOrEqual(200);
        expect(sent.status, describeCall(label, body, sent)).toBeLessThan(500);
        if (sent.status >= 400) expect(changedTables(before, await databaseFingerprint([...AUTH_BOOKKEEPING, 'AuditLog'])), describeCall(label, body, sent)).toEqual([]);
      },
      RUNS * 8,
    );
  });
});
