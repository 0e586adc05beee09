import { z } from 'zod';
import { createTRPCRouter, publicProcedure } from '../trpc';

const ZMeOutput = z.object({ id: z.string(), email: z.string(), name: z.string(), role: z.enum(['admin', 'annotator']) }).nullable();

export const sessionRouter = createTRPCRouter({
  /** Who is signed in (null when nobody is). */
  me: publicProcedure.output(ZMeOutput).query(({ ctx }) => ctx.user),
});
