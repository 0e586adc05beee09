/** The whole API: one router per domain. */
import { createCallerFactory, createTRPCRouter } from './trpc';
import { annotationsRouter } from './routers/annotations';
import { arenaRouter } from './routers/arena';
import { datasetsRouter } from './routers/datasets';
import { goldRouter } from './routers/gold';
import { reviewRouter } from './routers/review';
import { apiKeysRouter } from './routers/api-keys';
import { importsRouter } from './routers/imports';
import { overseeRouter } from './routers/oversee';
import { projectsRouter } from './routers/projects';
import { qualityRouter } from './routers/quality';
import { queueRouter } from './routers/queue';
import { sessionRouter } from './routers/session';
import { trainingRouter } from './routers/training';
import { usersRouter } from './routers/users';

export const appRouter = createTRPCRouter({
  annotations: annotationsRouter,
  datasets: datasetsRouter,
  gold: goldRouter,
  review: reviewRouter,
  arena: arenaRouter,
  apiKeys: apiKeysRouter,
  imports: importsRouter,
  oversee: overseeRouter,
  projects: projectsRouter,
  quality: qualityRouter,
  queue: queueRouter,
  session: sessionRouter,
  training: trainingRouter,
  users: usersRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
