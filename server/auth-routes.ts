/**
 * The /api/auth/* endpoints, as the HTTP edge (server/http/app-server.ts) calls them: the request
 * arrives as a Fetch Request whose body already passed the edge's size limit, with the client's
 * address decided by the edge (TRUST_PROXY).
 */
import { auth } from './auth';

export async function handleAuthRequest(request: Request, clientAddress: string): Promise<Response> {
  // The edge has already rewritten X-Forwarded-For to this address, which better-auth's own rate
  // limiter reads; it is a parameter so that checks added here need not re-derive it.
  void clientAddress;
  return auth.handler(request);
}
