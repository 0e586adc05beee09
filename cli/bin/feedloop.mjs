#!/usr/bin/env node
/**
 * `npx feedloop`: runs the CLI's TypeScript entry (cli/src/main.ts) under tsx, the way every
 * script of this repository runs, so local mode can import the server's services as they are.
 * The child inherits the terminal (progress bars see a TTY) and its exit code is ours.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const tsxCli = path.join(path.dirname(require.resolve('tsx/package.json')), 'dist/cli.mjs');
const child = spawn(process.execPath, [tsxCli, path.join(here, '../src/main.ts'), ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
