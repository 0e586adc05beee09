/**
 * What the commands need from Feedloop, implemented twice: local (the services, on DATABASE_URL)
 * and remote (/api/v1 with an API key). Both answer in /api/v1's JSON shapes, so the commands
 * print the same thing whichever way they reached the data.
 */
import type { ApiProject } from '../../server/http/api-v1/projects';

export type { ApiProject };

export type ApiSnapshot = {
  id: number;
  projectId: number;
  name: string | null;
  createdAt: string;
  contentHash: string;
  counts: Record<string, number>;
  filters: Record<string, unknown>;
};

export type ImportResult = { importId: number; format: string; promptCount: number; completionCount: number; taskCount: number };

export type ExportRequest = {
  snapshotId: number;
  format: string;
  encoding: string;
  /** Export options (includeTies, margin, ...), as /api/v1 takes them in the query. */
  options: Record<string, string | number | boolean>;
  dir: string;
  /** Called as each file of the folder is written. */
  onFile?: (file: string, index: number, total: number) => void;
};

export type Backend = {
  mode: 'local' | 'remote';
  listProjects: () => Promise<ApiProject[]>;
  createSnapshot: (options: { projectId: number; name: string | null; filters: Record<string, unknown> }) => Promise<ApiSnapshot>;
  getSnapshot: (snapshotId: number) => Promise<ApiSnapshot>;
  /** Writes data/train.<ext>, data/test.<ext> and README.md into `dir`; returns the files written. */
  exportFolder: (request: ExportRequest) => Promise<string[]>;
  importFile: (options: { projectId: number; fileName: string; content: Buffer; format?: string; importJudgements: boolean }) => Promise<ImportResult>;
  close: () => Promise<void>;
};

/** A failure to report (exit code 1), with no stack trace. */
export class CliError extends Error {}

/** Bad usage the parser could not see (exit code 2). */
export class UsageError extends Error {}
