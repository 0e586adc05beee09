/**
 * Runs before each integration test file, before it imports anything of the server: gives the
 * file its own database and the environment the server modules validate at import.
 */
import { inject } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createTestDatabase } from '../helpers/test-database';

const name = `t_${randomBytes(6).toString('hex')}`;
process.env.DATABASE_URL = await createTestDatabase(inject('pgAdminUrl'), name);
process.env.BETTER_AUTH_SECRET ??= 'test-secret-test-secret-test-secret-0123';
process.env.APP_URL ??= 'http://localhost:3000';
process.env.DATABASE_POOL_SIZE ??= '30';
process.env.AUTH_SIGNIN_LIMIT_PER_MINUTE ??= '1000';
