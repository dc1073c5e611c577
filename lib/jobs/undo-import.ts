import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError } from '../errors.js';
import { logger } from '../logger.js';
import type { ChangeEntry, ContactRestorer, FileStore, JobStore, Lease, UndoOutcome, UndoTrigger } from '../storage/ports.js';
import { changeLogParts, readChangeLogPart } from './change-log.js';
import type { ImportJob, UndoProgress } from './job.js';

export interface UndoDeps {
  jobs: JobStore;
  files: FileStore;
  restorer: ContactRestorer;
  trigger: UndoTrigger;
  settings: {
    /** Conditional writes in flight at once. */
    concurrency: number;
    /** How long a claim on an undo holds without progress; DEFAULT_UNDO_LEASE_MS when unset. */
    leaseMs?: number;
  };
}

/** A claim on an undo holds this long; it is renewed with each saved progress (every STRETCH_ENTRIES entries). */
export const DEFAULT_UNDO_LEASE_MS = 60_000;
/** Conflicting contacts named in the report; the count covers them all. */
export const MAX_CONFLICT_IDS = 100;
/** Entries undone in one pool between two saves of the progress (and checks of the deadline). */
const STRETCH_ENTRIES = 1_000;

export type UndoResult = { status: 'done' | 'running'; job: ImportJob };

/** The undo as the API shows it: the counts, the first conflicts, and whether it has finished. */
export function undoView(job: ImportJob): Record<string, unknown> {
  const undo = job.undo;
  if (!undo) return {};
  return {
    status: job.undoneAt ? 'done' : 'running',
    undone: undo.deleted + undo.restored + undo.unchanged,
    deleted: undo.deleted,
    restored: undo.restored,
    unchanged: undo.unchanged,
    conflicts: undo.conflicts,
    conflict_ids: undo.conflictIds,
    started_at: undo.startedAt,
    ...(job.undoneAt ? { finished_at: job.undoneAt } : {}),
  };
}

async function applyEntry(entry: ChangeEntry, job: ImportJob, restorer: ContactRestorer): Promise<UndoOutcome> {
  if (entry.op === 'create' && entry.recovered) {
    // Applied after every other entry: a contact the import changed holds its previous value
    // by now and is no longer the import's to delete. That is no conflict (the undo did it).
    const outcome = await restorer.deleteCreated(job.owner, entry.id, job.importId);
    return outcome === 'conflict' ? 'unchanged' : outcome;
  }
  if (entry.op === 'create') return restorer.deleteCreated(job.owner, entry.id, job.importId);
  if (entry.op === 'update') return restorer.restoreChanged(entry.before, job.importId);
  return restorer.restoreRemoved(entry.before);
}

function count(progress: UndoProgress, id: string, outcome: UndoOutcome): void {
  if (outcome === 'conflict') {
    progress.conflicts++;
    if (progress.conflictIds.length < MAX_CONFLICT_IDS) progress.conflictIds.push(id);
  } else progress[outcome]++;
}

/** Runs `entries` through `apply` with at most `concurrency` in flight. */
async function inPool<T>(entries: readonly T[], concurrency: number, apply: (entry: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < entries.length) {
      const entry = entries[next++] as T;
      await apply(entry);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, entries.length) }, worker));
}

/**
 * Undoes an import: deletes the contacts it created and puts back the previous values of
 * those it changed or removed, walking its change log from the newest part to the oldest.
 * A contact changed since (by a later import or an edit) is left alone and counted as a
 * conflict. Each write is conditional (ContactRestorer), so an edit racing the undo wins.
 *
 * Works until `deadline` (epoch ms), saving where it is in the log after each stretch; when
 * time runs out it hands the rest to a fresh invocation (`deps.trigger`) and resolves
 * `running`. Idempotent: an import already undone resolves `done` and writes nothing, and
 * entries undone twice (after a crash between two saves) find the contact as it was.
 *
 * Throws NotFoundError for a job the owner does not have, ConflictError while it still runs.
 */
export async function undoImport(owner: string, importId: string, deps: UndoDeps, deadline: number): Promise<UndoResult> {
  const job = await deps.jobs.getJob(owner, importId);
  if (!job) throw new NotFoundError('import not found');
  if (job.undoneAt) return { status: 'done', job };
  if (job.status !== 'completed' && job.status !== 'failed') {
    throw new ConflictError(`import is ${job.status.replace('_', ' ')}; undo it when it has finished`);
  }
  const leaseMs = deps.settings.leaseMs ?? DEFAULT_UNDO_LEASE_MS;
  const lease: Lease = { id: randomUUID(), expiresAt: Date.now() + leaseMs };
  const initial: UndoProgress = {
    startedAt: new Date().toISOString(),
    deleted: 0,
    restored: 0,
    unchanged: 0,
    conflicts: 0,
    conflictIds: [],
  };
  const claimed = await deps.jobs.claimUndo(owner, importId, lease, initial);
  if (!claimed) {
    // Another invocation holds the undo, or it has just finished.
    const current = (await deps.jobs.getJob(owner, importId)) ?? job;
    return { status: current.undoneAt ? 'done' : 'running', job: current };
  }
  return runClaimed(claimed, lease, leaseMs, deps, deadline);
}

/** Time is up: save where the undo is, release it, and continue in a fresh invocation of the worker. */
async function handOver(job: ImportJob, lease: Lease, progress: UndoProgress, deps: UndoDeps): Promise<UndoResult> {
  if (!(await deps.jobs.saveUndoProgress(job.owner, job.importId, lease, progress))) throw new Error('the undo lease was lost');
  await deps.jobs.releaseUndo(job.owner, job.importId, lease);
  await deps.trigger.continueUndo(job.owner, job.importId);
  logger.info('undo continues in a new invocation', { owner: job.owner, importId: job.importId });
  return { status: 'running', job: { ...job, undo: progress } };
}

async function runClaimed(job: ImportJob, lease: Lease, leaseMs: number, deps: UndoDeps, deadline: number): Promise<UndoResult> {
  const log = { owner: job.owner, importId: job.importId };
  const progress: UndoProgress = structuredClone(job.undo as UndoProgress);
  const save = async () => {
    lease.expiresAt = Date.now() + leaseMs;
    if (!(await deps.jobs.saveUndoProgress(job.owner, job.importId, lease, progress))) throw new Error('the undo lease was lost');
  };
  const allParts = await changeLogParts(deps.files, job.owner, job.importId);
  // From the part the undo had reached (parts are not removed once the import has ended; were
  // one gone, starting over is safe: an entry undone twice changes nothing).
  const parts = allParts.slice(Math.max(0, progress.cursor ? allParts.indexOf(progress.cursor.part) : 0));
  for (const part of parts) {
    const entries = await readChangeLogPart(deps.files, job.owner, part);
    let line = progress.cursor?.part === part ? progress.cursor.line : 0;
    while (line < entries.length) {
      if (Date.now() >= deadline) return handOver(job, lease, progress, deps);
      const stretch = entries.slice(line, line + STRETCH_ENTRIES);
      await inPool(stretch, deps.settings.concurrency, async (entry) => {
        count(progress, entry.id, await applyEntry(entry, job, deps.restorer));
      });
      line += stretch.length;
      // Undone up to here: where a rerun or a continuation starts.
      progress.cursor = { part, line };
      await save();
    }
  }
  progress.cursor = undefined;
  if (!(await deps.jobs.completeUndo(job.owner, job.importId, lease, progress))) throw new Error('the undo lease was lost');
  const done = (await deps.jobs.getJob(job.owner, job.importId)) ?? { ...job, undo: progress };
  logger.info('import undone', { ...log, deleted: progress.deleted, restored: progress.restored, conflicts: progress.conflicts });
  return { status: 'done', job: done };
}
