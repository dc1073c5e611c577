import { randomBytes } from 'node:crypto';
import type { ImportControls } from '../import/import-options.js';
import type { ImportCheckpoint } from '../import/pipeline.js';
import type { ImportReport } from '../import/report.js';

export type JobStatus = 'waiting_upload' | 'queued' | 'running' | 'completed' | 'failed';
/**
 * upload: presigned PUT; drop: a file dropped under drop/<user>/; schedule: a re-import source;
 * sync: a synchronous import (recorded when it has finished, so that it can be undone).
 */
export type JobOrigin = 'upload' | 'drop' | 'schedule' | 'sync';
export type ReimportMode = 'merge' | 'replace';

export interface JobProgress {
  rowsRead: number;
  bytesRead: number;
  imported: number;
  failed: number;
  skipped: number;
}

export interface ImportJob {
  owner: string;
  importId: string;
  status: JobStatus;
  origin: JobOrigin;
  /** The CSV's key in the upload bucket. */
  objectKey: string;
  sourceId?: string;
  mode?: ReimportMode;
  /** The import options the job was created with (request, source or the user's defaults). */
  options?: ImportControls;
  createdAt: string;
  updatedAt: string;
  startedAt?: string;
  finishedAt?: string;
  uploadExpiresAt?: string;
  totalBytes?: number;
  etag?: string;
  progress: JobProgress;
  checkpoint?: ImportCheckpoint;
  /** How many invocations have worked on this job (continuations after time budgets). */
  invocations: number;
  /** Failed attempts since the last checkpoint (storage unavailable); the job fails after MAX_ATTEMPTS. */
  attempts?: number;
  /** Why the last attempt failed, while the job waits to be retried. */
  lastError?: string;
  report?: ImportReport;
  rejectedRows?: number;
  reportKey?: string;
  errorsKey?: string;
  failureReason?: string;
  /** Something a user should know about a finished job (an unchanged file, removed contacts). */
  note?: string;
  /** The undo of this import, once requested: where it is and what it did. */
  undo?: UndoProgress;
  /** When the undo finished; from then on another undo request changes nothing. */
  undoneAt?: string;
}

/** Where an undo is in the import's change log, and what it has done so far. */
export interface UndoProgress {
  startedAt: string;
  /** The next change-log part to read, and the first of its lines not yet undone. */
  cursor?: { part: string; line: number };
  deleted: number;
  restored: number;
  /** Changes whose contact already held its previous value. */
  unchanged: number;
  conflicts: number;
  /** The first conflicting contacts' ids (at most MAX_CONFLICT_IDS). */
  conflictIds: string[];
}

export const EMPTY_PROGRESS: JobProgress = { rowsRead: 0, bytesRead: 0, imported: 0, failed: 0, skipped: 0 };

/**
 * Import ids sort by creation time (newest last) and are unguessable: 9 base-36 characters
 * of milliseconds, then 16 hex characters (random, or derived from `seed` so that a
 * redelivered S3 event names the same job).
 */
export function newImportId(now: Date, seed?: string): string {
  const time = now.getTime().toString(36).padStart(9, '0');
  const tail = seed === undefined ? randomBytes(8).toString('hex') : seed.slice(0, 16);
  return `${time}-${tail}`;
}

const IMPORT_ID_PATTERN = /^[0-9a-z]{9}-[0-9a-f]{16}$/;

export function isImportId(value: string): boolean {
  return IMPORT_ID_PATTERN.test(value);
}

/** Object keys of the upload bucket. Artifacts never match the prefixes that trigger imports. */
export const objectKeys = {
  upload: (owner: string, importId: string) => `imports/${owner}/${importId}/upload.csv`,
  report: (owner: string, importId: string) => `imports/${owner}/${importId}/report.json`,
  errors: (owner: string, importId: string) => `imports/${owner}/${importId}/errors.csv`,
  errorsPart: (owner: string, importId: string, fromRow: number) =>
    `imports/${owner}/${importId}/errors-parts/${String(fromRow).padStart(12, '0')}.csv`,
  errorsParts: (owner: string, importId: string) => `imports/${owner}/${importId}/errors-parts/`,
  seenPart: (owner: string, importId: string, fromRow: number) =>
    `imports/${owner}/${importId}/seen-parts/${String(fromRow).padStart(12, '0')}.bin`,
  seenParts: (owner: string, importId: string) => `imports/${owner}/${importId}/seen-parts/`,
  /** The change log (what the import created, and what it changed or removed, as it was before). */
  changesPart: (owner: string, importId: string, part: string) => `imports/${owner}/${importId}/changes/${part}.jsonl`,
  changesParts: (owner: string, importId: string) => `imports/${owner}/${importId}/changes/`,
  recoveredPart: (owner: string, importId: string, part: string) => `imports/${owner}/${importId}/recovered/${part}.jsonl`,
  recoveredParts: (owner: string, importId: string) => `imports/${owner}/${importId}/recovered/`,
};

export type TriggeringObject = { kind: 'upload'; owner: string; importId: string } | { kind: 'drop'; owner: string };

/** What an object-created event is about, from its key; undefined for keys that import nothing. */
export function classifyObjectKey(key: string): TriggeringObject | undefined {
  const upload = /^imports\/([^/]+)\/([^/]+)\/upload\.csv$/.exec(key);
  if (upload?.[1] && upload[2]) return { kind: 'upload', owner: upload[1], importId: upload[2] };
  const drop = /^drop\/([^/]+)\/[^/].*$/.exec(key);
  if (drop?.[1]) return { kind: 'drop', owner: drop[1] };
  return undefined;
}
