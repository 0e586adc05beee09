/** The whole API: one router per domain. */
import { createCallerFactory, createTRPCRouter } from './trpc';
import { sessionRouter } from './routers/session';

export const appRouter = createTRPCRouter({
  session: sessionRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
