import { defineConfig } from 'prisma/config';

// Used by the standard Prisma CLI (`prisma migrate deploy`, `prisma studio`) where its engine can be
// fetched. `npm start` and the tests apply migrations through prisma/migrate.ts instead, which needs no
// native engine.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations', seed: 'tsx prisma/seed.ts' },
  datasource: { url: process.env.DATABASE_URL ?? '' },
});
