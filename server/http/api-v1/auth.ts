/**
 * Who is calling /api/v1: `Authorization: Bearer fl_...`. No key or a key that does not
 * authenticate (unknown, wrong secret, revoked, owner disabled or no longer an admin) → 401, with
 * one message for all of them so a caller learns nothing about which keys exist. A READ key on a
 * writing route → 403.
 */
import { authenticateApiKey, type ApiKeyPrincipal } from '../../services/api-keys';
import { ApiError } from './http';

export type Scope = 'PUBLIC' | 'READ' | 'WRITE';

export async function authenticate(headers: Headers, needed: Scope): Promise<ApiKeyPrincipal | null> {
  if (needed === 'PUBLIC') return null;
  const header = headers.get('authorization') ?? '';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  const principal = match ? await authenticateApiKey(match[1]) : null;
  if (!principal) throw new ApiError(401, 'UNAUTHORIZED', 'Send a valid API key: "Authorization: Bearer fl_..." (create one under Admin → API keys)');
  if (needed === 'WRITE' && principal.scope !== 'WRITE') throw new ApiError(403, 'FORBIDDEN', 'This key is read-only: writing needs a WRITE key');
  return principal;
}
