/**
 * The ports of the core: every interface lib/ needs from storage and the platform, in one
 * place. Adapters (lib/adapters/*) implement them with the AWS SDK and import only from here;
 * the core and the tests depend on these interfaces, never on an adapter.
 */
import type { Contact } from '../contacts/contact.js';
import type { ImportControls } from '../import/import-options.js';
import type { ImportCheckpoint } from '../import/pipeline.js';
import type { ImportReport } from '../import/report.js';
import type { ImportJob, JobProgress, ReimportMode, UndoProgress } from '../jobs/job.js';

// Contacts

/** Which import wrote a contact, and for scheduled re-imports which source. */
export interface ContactOrigin {
  importId: string;
  sourceId?: string;
}

/** One contact on its way to storage, with the spreadsheet row it came from. */
export interface ContactWrite {
  rowNumber: number;
  contact: Contact;
  origin?: ContactOrigin;
  /**
   * The stored contact's `type` before this write, when the writer knows it: the groups it no
   * longer shares with lose their share items (docs/table-design.md, "Group contacts").
   */
  previousType?: string;
}

/** A row storage gave up on after its retries. */
export interface ContactWriteFailure {
  rowNumber: number;
  reason: string;
}

/** Where the import pipeline puts contacts. */
export interface ContactWriter {
  /** How many contacts one `writeContacts` call takes at most. */
  readonly maxBatchSize: number;
  /**
   * Stores (creates or replaces) the contacts; resolves with the ones that could not be
   * stored after retries. Never rejects for a per-item failure.
   */
  writeContacts(batch: readonly ContactWrite[]): Promise<ContactWriteFailure[]>;
}

/**
 * Storage an upsert needs: what is stored for a batch of ids, and writes. Reading first lets
 * the core tell created from updated from unchanged, and skip writing unchanged contacts.
 */
export interface ContactStore extends ContactWriter {
  /**
   * The owner's stored contacts among `ids` (any number; read in batches, retried). An id of
   * another owner is simply not found. Rejects when storage stays unavailable.
   */
  readContacts(owner: string, ids: readonly string[]): Promise<Map<string, Contact>>;
  /**
   * Whether the owner has any contact stored. An import into an empty phonebook need not
   * read anything back: every contact it meets is new.
   */
  hasContacts(owner: string): Promise<boolean>;
  /**
   * As `readContacts`, with the origin each contact was last written with: an import that
   * records what it changes (lib/jobs/change-log.ts) keeps the previous origin for its undo.
   */
  readStoredContacts(owner: string, ids: readonly string[]): Promise<Map<string, StoredContact>>;
}

/** A contact as stored, with the import (and source) that wrote it last, if any. */
export interface StoredContact {
  contact: Contact;
  origin?: ContactOrigin;
}

export interface ContactPage {
  contacts: Contact[];
  nextCursor: string | null;
}

export interface VisibleContactsOptions {
  cursor?: string;
  limit: number;
  /** The groups the reader belongs to: other owners' contacts shared with them are listed too. */
  groups?: readonly string[];
  /** Other owners' public contacts (default true); an export leaves them out. */
  includePublic?: boolean;
}

export interface ContactReader {
  /**
   * The reader's own contacts, then other owners' public contacts, then other owners' contacts
   * shared with one of `groups`, each once, a page at a time behind one cursor.
   */
  listVisibleContacts(owner: string, options: VisibleContactsOptions): Promise<ContactPage>;
}

/** Removes what a scheduled "replace" source no longer lists. */
export interface SourceContactCleaner {
  /**
   * Deletes the owner's contacts written by `sourceId` but not by `keepImportId`; resolves with
   * the count. `beforeRemove` is given each page of contacts before they are deleted (the
   * import's change log records them first, so that an undo can put them back).
   */
  removeSourceContactsNotFrom(
    owner: string,
    sourceId: string,
    keepImportId: string,
    beforeRemove?: (removed: StoredContact[]) => Promise<void>,
  ): Promise<number>;
}

/**
 * One thing an import did to a contact, as its undo needs it: a contact it created, or one it
 * changed (`update`) or deleted (`remove`, a "replace" source) with the value it held before.
 */
/**
 * One change an import makes, for its undo. `recovered` marks a contact found carrying the
 * import's own stamp by a later run of the import, which cannot tell whether an earlier run
 * created it (a creation not yet logged when that run died) or changed it (then an `update`
 * entry holds its previous value, and the undo puts that back instead).
 */
export type ChangeEntry = { op: 'create'; id: string; recovered?: true } | { op: 'update' | 'remove'; id: string; before: StoredContact };

/** Where an import records what it changes before it writes (lib/jobs/change-log.ts). */
export interface ChangeRecorder {
  readonly importId: string;
  /**
   * Whether an earlier run of this import may have died with creations not yet logged: then
   * contacts already stamped with the import are recorded as `recovered` creations.
   */
  readonly recovering: boolean;
  /**
   * Resolves once a write may be sent: previous values (updates, removals) are stored first,
   * creations are kept until `flush` (a creation is found again by its stamp, see `recovering`).
   */
  record(entries: readonly ChangeEntry[]): Promise<void>;
}

/** What undoing one recorded change came to (lib/jobs/undo-import.ts). */
export type UndoOutcome =
  /** The contact the import created is deleted. */
  | 'deleted'
  /** The contact the import changed or removed holds its previous value again. */
  | 'restored'
  /** It already held its previous value (an undo that ran before, or a write that never happened). */
  | 'unchanged'
  /** Changed since by another import or an edit: left alone. */
  | 'conflict';

/**
 * The writes of an undo. Each is one conditional write: it holds only while the contact is
 * as the import left it (still stamped with its import id), so a later edit or import is
 * never overwritten, however the undo races with it.
 */
export interface ContactRestorer {
  /** Deletes the contact unless something other than `importId` wrote it since. */
  deleteCreated(owner: string, id: string, importId: string): Promise<UndoOutcome>;
  /** Puts `previous` back while the contact is still as `importId` left it. */
  restoreChanged(previous: StoredContact, importId: string): Promise<UndoOutcome>;
  /** Puts a removed contact back unless one with its id was stored since. */
  restoreRemoved(previous: StoredContact): Promise<UndoOutcome>;
}

// Users

export interface User {
  username: string;
  createdAt: string;
  /** The groups the super admin put the user in (lib/groups.ts); empty when none. */
  groups: string[];
  /** The import options of the user's drop-folder imports, set by the super admin. */
  importOptions?: ImportControls;
}

/** What an admin's PUT sets on a user; an absent field leaves the stored value as it is. */
export interface UserSettings {
  groups?: string[];
  /** Replaces the drop-folder defaults; `{}` returns to the service's defaults. */
  importOptions?: ImportControls;
}

export interface UserRepository {
  findUser(username: string): Promise<User | undefined>;
  /**
   * Creates the user, or keeps the existing record, and applies `settings`; resolves with the
   * stored record and whether it was new.
   */
  registerUser(username: string, settings?: UserSettings): Promise<{ user: User; created: boolean }>;
}

// Import jobs, the upload bucket, starting invocations, re-import sources

/** Job records. Every state change is conditional, so two invocations never run one job. */
export interface JobStore {
  /** Creates the job; resolves false if a job with that id already exists. */
  createJob(job: ImportJob): Promise<boolean>;
  getJob(owner: string, importId: string): Promise<ImportJob | undefined>;
  /** The owner's jobs, newest first. */
  listJobs(owner: string, limit: number): Promise<ImportJob[]>;
  /**
   * Takes the job for one invocation: from waiting_upload or queued, or from running when the
   * previous holder's lease has expired or was released. Undefined when not claimable.
   */
  claimJob(owner: string, importId: string, lease: Lease, details: { totalBytes: number; etag: string }): Promise<ImportJob | undefined>;
  /** Records progress and a checkpoint and renews the lease; false when the lease was lost. Clears `attempts`. */
  saveCheckpoint(owner: string, importId: string, lease: Lease, checkpoint: ImportCheckpoint, progress: JobProgress): Promise<boolean>;
  /** The heartbeat: moves the lease's expiry to `lease.expiresAt`; false when the lease was lost. */
  renewLease(owner: string, importId: string, lease: Lease): Promise<boolean>;
  /** Ends this invocation's hold so that a continuation can claim the job at once. */
  releaseJob(owner: string, importId: string, lease: Lease): Promise<boolean>;
  /**
   * Ends this invocation's hold after a failure that was not the file's fault: the job stays
   * running, counts the attempt and the reason, and becomes claimable again at `retryAt`.
   */
  releaseForRetry(
    owner: string,
    importId: string,
    lease: Lease,
    retry: { attempts: number; retryAt: number; reason: string },
  ): Promise<boolean>;
  completeJob(owner: string, importId: string, lease: Lease, result: CompletedJob): Promise<boolean>;
  /** Marks the job failed; with a lease only if still held, without one unconditionally unless finished. */
  failJob(owner: string, importId: string, reason: string, lease?: Lease): Promise<boolean>;
  /**
   * Jobs nobody works on: running ones whose lease expired (or whose retry time came), queued
   * ones not claimed since `queuedBefore`, and upload jobs whose URL expired before `now`.
   */
  findStaleJobs(now: Date, queuedBefore: Date): Promise<ImportJob[]>;
  /**
   * Takes the job's undo for one invocation: the job is finished, not undone, and no live
   * invocation holds its undo. Resolves with the job as claimed, or undefined.
   */
  claimUndo(owner: string, importId: string, lease: Lease, initial: UndoProgress): Promise<ImportJob | undefined>;
  /** Records the undo's progress and renews its lease; false when the lease was lost. */
  saveUndoProgress(owner: string, importId: string, lease: Lease, progress: UndoProgress): Promise<boolean>;
  /** Ends this invocation's hold on the undo, so that a continuation can claim it at once. */
  releaseUndo(owner: string, importId: string, lease: Lease): Promise<boolean>;
  /** Records the undo's result and `undoneAt`: from then on an undo request is a no-op. */
  completeUndo(owner: string, importId: string, lease: Lease, progress: UndoProgress): Promise<boolean>;
}

export interface Lease {
  id: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export interface CompletedJob {
  report: ImportReport;
  rejectedRows: number;
  reportKey: string;
  errorsKey?: string;
  note?: string;
}

export interface StoredObject {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
}

/** The object no longer has the ETag a job names: it was replaced (S3 412, or another ETag served). */
export class ObjectChangedError extends Error {
  constructor(
    readonly key: string,
    readonly expectedEtag: string,
  ) {
    super(`${key} no longer has ETag ${expectedEtag}`);
    this.name = 'ObjectChangedError';
  }
}

export interface ObjectStream {
  body: AsyncIterable<Uint8Array>;
  /** Stops the download early (a paused import does not read to the end). */
  abort(): void;
}

/** The upload bucket. */
export interface FileStore {
  head(key: string): Promise<StoredObject | undefined>;
  /**
   * Streams the object from `fromByte` on. Throws UploadNotFoundError if it is missing, and
   * with `etag` ObjectChangedError unless exactly that version is served (S3 `If-Match`).
   */
  read(key: string, fromByte?: number, etag?: string): Promise<ObjectStream>;
  /** Writes an object from a stream without holding it in memory. */
  write(key: string, body: AsyncIterable<Uint8Array | string> | string | Buffer, contentType: string): Promise<void>;
  readText(key: string): Promise<string>;
  list(prefix: string): Promise<StoredObject[]>;
  remove(keys: string[]): Promise<void>;
  /** A URL that accepts one PUT of exactly `contentLength` bytes to `key`. */
  presignUpload(key: string, options: { contentLength: number; expiresInSeconds: number }): Promise<string>;
  presignDownload(key: string, options: { expiresInSeconds: number; filename: string }): Promise<string>;
}

/** Starts (or continues) an import job in a fresh invocation of the import function. */
export interface ImportTrigger {
  startImport(owner: string, importId: string): Promise<void>;
}

/** Continues an undo in a fresh invocation of the undo worker. */
export interface UndoTrigger {
  continueUndo(owner: string, importId: string): Promise<void>;
}

export interface ReimportSource {
  id: string;
  owner: string;
  /** Exactly one of key and prefix: a fixed object, or the newest object under a prefix. */
  key?: string;
  prefix?: string;
  mode: ReimportMode;
  /** The import options of the source's imports. */
  importOptions?: ImportControls;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
  lastImportedEtag?: string;
  lastImportId?: string;
  /** Set while a scheduled import of this source runs, so that ticks do not overlap. */
  runningImportId?: string;
  runningSince?: string;
  /** Why the last tick could not start an import of this source (cleared by the next start). */
  lastError?: string;
  lastErrorAt?: string;
}

export interface SourceStore {
  /**
   * Creates the source or edits it, keeping what the schedule recorded on it (its creation
   * date, the last import, a busy mark); resolves with the source as stored.
   */
  putSource(source: ReimportSource): Promise<{ source: ReimportSource; created: boolean }>;
  getSource(id: string): Promise<ReimportSource | undefined>;
  listSources(): Promise<ReimportSource[]>;
  deleteSource(id: string): Promise<boolean>;
  /** Marks the source busy with `importId` unless another import of it is running (and recent). */
  markRunning(id: string, importId: string, now: Date, staleAfterMs: number): Promise<boolean>;
  /** Clears the busy mark; with an ETag, records what was imported successfully. */
  markFinished(id: string, importId: string, imported?: { etag: string }): Promise<void>;
  /** Records why a tick could not start an import of the source, or with undefined clears it. */
  recordTickError(id: string, error: { reason: string; at: Date } | undefined): Promise<void>;
}

// Limits

/**
 * Counters and slots the limits keep between invocations (a DynamoDB table in the cloud and
 * locally). Each call is one conditional write, so concurrent invocations cannot overshoot.
 */
export interface LimitStore {
  /**
   * Adds one hit to `counter` unless it already holds `max`; false when it did. The counter
   * may be deleted after `expiresAtSeconds` (epoch seconds), once its window is over.
   */
  countHit(counter: string, max: number, expiresAtSeconds: number): Promise<boolean>;
  /**
   * Takes slot `index` of `pool` for `holder` until `leaseUntilMs`, unless another holder's
   * lease there is still running at `nowMs`; false when it is. A lease that ran out (its
   * import died without releasing it) is taken over, so a slot never leaks.
   */
  takeSlot(pool: string, index: number, holder: string, nowMs: number, leaseUntilMs: number): Promise<boolean>;
  /** Frees the slot if `holder` still has it. */
  releaseSlot(pool: string, index: number, holder: string): Promise<void>;
}
