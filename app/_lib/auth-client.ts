/** The better-auth client for the browser: sign-in, sign-out and the session, all the server answers (server/auth-routes.ts). Same origin as the app. */
import { createAuthClient } from 'better-auth/react';

export const authClient = createAuthClient();
