/**
 * The artifact store: checkpoints in a directory (DATA_DIR), behind these few functions so an
 * S3-compatible store could replace it.
 *
 * A job writes into a scratch directory of its own (`scratchDir`); `publishArtifact` moves the
 * finished directory to its final place with one rename, after every file has been flushed. A
 * ModelVersion row is written only after that, so a registered model always has a complete artifact,
 * and a crash leaves at most scratch directories (cleaned on the next attempt), never a half model.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';

/** The built-in base model, used when a project has no active policy yet. */
export const BASE_MODEL_DIR = path.resolve(__dirname, '../assets/base-model');

/** A fresh, empty scratch directory for one job attempt. */
export function scratchDir(dataDir: string, label: string): string {
  const dir = path.join(dataDir, 'scratch', `${label}-${randomUUID().slice(0, 8)}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Removes scratch directories a crashed attempt of the same job left behind. */
export function cleanScratch(dataDir: string, label: string): void {
  const root = path.join(dataDir, 'scratch');
  if (!fs.existsSync(root)) return;
  for (const name of fs.readdirSync(root)) if (name.startsWith(`${label}-`)) fs.rmSync(path.join(root, name), { recursive: true, force: true });
}

/** Flushes every file of `dir` and moves it to `relativePath` under dataDir. Returns the size in bytes. */
export function publishArtifact(dataDir: string, dir: string, relativePath: string): number {
  let size = 0;
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const fd = fs.openSync(file, 'r');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    size += fs.statSync(file).size;
  }
  const target = resolveArtifact(dataDir, relativePath);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.rmSync(target, { recursive: true, force: true }); // a previous attempt that published but did not register
  fs.renameSync(dir, target);
  return size;
}

/** Absolute path of an artifact; refuses paths that leave the store. */
export function resolveArtifact(dataDir: string, relativePath: string): string {
  const target = path.resolve(dataDir, relativePath);
  if (!target.startsWith(path.resolve(dataDir) + path.sep)) throw new Error(`Artifact path ${relativePath} is outside the store`);
  return target;
}

/** Where a policy's serving copy (int8 / nf4) lives inside its artifact. */
export function servingDirName(scheme: string): string {
  return `serving-${scheme}`;
}

/** The checkpoint directory of a policy version, or the built-in base model for null. */
export function policyDirOf(dataDir: string, version: { artifactPath: string } | null): string {
  return version ? resolveArtifact(dataDir, version.artifactPath) : BASE_MODEL_DIR;
}

/** What generation samples from: the quantized serving copy when the version has one. */
export function servingDirOf(dataDir: string, version: { artifactPath: string; quantization: string | null } | null): string {
  const dir = policyDirOf(dataDir, version);
  return version?.quantization ? path.join(dir, servingDirName(version.quantization)) : dir;
}
