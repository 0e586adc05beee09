/** API keys for /api/v1 and the CLI: admins create their own, see everyone's, and revoke any. */
import { z } from 'zod';
import { API_KEY_SCOPES, createApiKey, listApiKeys, revokeApiKey } from '../../services/api-keys';
import { adminProcedure, createTRPCRouter } from '../trpc';
import { ZSafeText } from '../../../lib/validation';

/** What a list shows: never the secret nor its hash. */
export const ZApiKeyPublic = z.object({
  id: z.string(),
  name: z.string(),
  scope: z.enum(API_KEY_SCOPES),
  lastUsedAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
  createdAt: z.date(),
  user: z.object({ id: z.string(), name: z.string(), email: z.string() }),
});

export const ZCreateApiKeyInput = z.object({ name: ZSafeText(100).trim().min(1, 'give the key a name'), scope: z.enum(API_KEY_SCOPES) });
export type TCreateApiKeyInput = z.infer<typeof ZCreateApiKeyInput>;
export const ZRevokeApiKeyInput = z.object({ keyId: ZSafeText(40).min(1) });

export const apiKeysRouter = createTRPCRouter({
  list: adminProcedure.output(z.array(ZApiKeyPublic)).query(() => listApiKeys()),

  /** The one answer that carries the key in clear: the UI shows it once. */
  create: adminProcedure
    .input(ZCreateApiKeyInput)
    .output(z.object({ key: z.string(), apiKey: ZApiKeyPublic }))
    .mutation(({ ctx, input }) => createApiKey({ userId: ctx.user.id, name: input.name, scope: input.scope })),

  revoke: adminProcedure
    .input(ZRevokeApiKeyInput)
    .output(ZApiKeyPublic)
    .mutation(({ ctx, input }) => revokeApiKey({ keyId: input.keyId, actorId: ctx.user.id })),
});
