import { z } from 'zod';
import { createTRPCRouter, publicProcedure } from '../trpc';
import { ROLES } from '../../auth';

const ZMeOutput = z.object({ id: z.string(), email: z.string(), name: z.string(), role: z.enum(ROLES) }).nullable();

export const sessionRouter = createTRPCRouter({
  /** Who is signed in (null when nobody is). */
  me: publicProcedure.output(ZMeOutput).query(({ ctx }) => ctx.user),
});
