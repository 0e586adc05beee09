/** The better-auth client for the browser (sign-in, sign-out). Same origin as the app. */
import { createAuthClient } from 'better-auth/react';
import { adminClient } from 'better-auth/client/plugins';

export const authClient = createAuthClient({ plugins: [adminClient()] });
