/**
 * tRPC setup: the request context, the error formatter, and the three kinds of procedure.
 * Access is a procedure's type: every procedure is built from publicProcedure,
 * annotatorProcedure or adminProcedure, and carries `meta.access` so the access test can list
 * them all. Handlers never check roles by hand.
 */
import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { ZodError, z } from 'zod';
import { db } from '../db';
import { getSessionUser, type Role } from '../auth';
import { AppError } from '../errors';

export type Access = 'public' | 'annotator' | 'reviewer' | 'admin';
export type Meta = { access: Access };
export type SessionUser = { id: string; email: string; name: string; role: Role };

/**
 * Built once per HTTP request, not once per procedure: tRPC's standalone adapter
 * (server/http/trpc-route.ts) calls createContext once and shares the context among every call
 * of a batched request, so a batch costs one session lookup (tests/integration/submit-and-next.test.ts
 * checks it over HTTP). Server components share one per render (app/_trpc/server.ts caches it).
 */
export async function createContext(options: { headers: Headers }) {
  const user = await getSessionUser(options.headers);
  return { db, user, headers: options.headers };
}
export type Context = Awaited<ReturnType<typeof createContext>>;

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    transformer: superjson,
    errorFormatter({ shape, error }) {
      const cause = error.cause;
      const isInternal = error.code === 'INTERNAL_SERVER_ERROR';
      return {
        ...shape,
        // Raw errors never reach the client: an internal error says only that it happened.
        message: isInternal ? 'Internal server error' : shape.message,
        data: {
          code: shape.data.code,
          httpStatus: shape.data.httpStatus,
          path: shape.data.path,
          zodError: cause instanceof ZodError ? z.flattenError(cause) : null,
          details: cause instanceof AppError ? (cause.details ?? null) : null,
        },
      };
    },
  });

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Maps domain errors to tRPC codes, once, for every procedure. */
const mapAppErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: cause.code, message: cause.message, cause });
  }
  if (!result.ok && result.error.code === 'INTERNAL_SERVER_ERROR') {
    console.error('[trpc] internal error:', result.error.cause ?? result.error);
  }
  return result;
});

const baseProcedure = t.procedure.use(mapAppErrors);

export const publicProcedure = baseProcedure.meta({ access: 'public' });

const requireUser = t.middleware(({ ctx, next }) => {
  if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first' });
  return next({ ctx: { ...ctx, user: ctx.user } });
});

function requireRole(role: Role) {
  return t.middleware(({ ctx, next }) => {
    if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first' });
    if (role === 'admin' && ctx.user.role !== 'admin') throw new TRPCError({ code: 'FORBIDDEN', message: 'Admins only' });
    if (role === 'reviewer' && ctx.user.role !== 'admin' && ctx.user.role !== 'reviewer') throw new TRPCError({ code: 'FORBIDDEN', message: 'Reviewers and admins only' });
    return next({ ctx: { ...ctx, user: ctx.user } });
  });
}

/** Any signed-in user (annotators and admins). */
export const annotatorProcedure = baseProcedure.meta({ access: 'annotator' }).use(requireUser);
/** Reviewers and admins: the review queue. */
export const reviewerProcedure = baseProcedure.meta({ access: 'reviewer' }).use(requireRole('reviewer'));
/** Admins only. */
export const adminProcedure = baseProcedure.meta({ access: 'admin' }).use(requireRole('admin'));
