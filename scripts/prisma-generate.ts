/**
 * Generates the Prisma client (server/generated/prisma) with no native engine download.
 *
 * `prisma generate` does not use the schema engine, but the CLI insists on locating one; pointing
 * PRISMA_SCHEMA_ENGINE_BINARY at any executable satisfies it. A user who already set the variable
 * (or has the engine) keeps their own.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: '1' };
execFileSync(process.execPath, [path.join(root, 'node_modules/prisma/build/index.js'), 'generate'], { cwd: root, env, stdio: 'inherit' });
