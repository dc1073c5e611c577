import type { Contact } from '../contacts/contact.js';
import type { ContactFields } from '../contacts/fields.js';
import { contactId } from '../contacts/identity.js';
import { mergeContact, newContact, sameContact } from '../contacts/merge.js';
import type { ChangeEntry, ChangeRecorder, ContactOrigin, ContactStore, ContactWrite, StoredContact } from '../storage/ports.js';
import type { ImportMode } from './import-options.js';
import { ROW_MESSAGES } from './row-messages.js';

/** One row (or bulk item) to create or update, its columns already checked one by one. */
export interface ContactChange {
  /** Where it came from, for reports: a spreadsheet row or an index in a bulk request. */
  ref: number;
  /** The contact to update, when the input names one; otherwise the identity decides. */
  explicitId: string | undefined;
  /** Only the columns the input carries: the others are left as stored. */
  fields: Partial<ContactFields>;
  /** `targetIdOf` already computed by the caller (it hashes; once a row is enough). */
  targetId?: string | undefined;
}

export type ChangeOutcome =
  | { ref: number; result: 'created' | 'updated' | 'unchanged'; contact: Contact }
  /**
   * The input itself cannot be applied: an unknown id (404) or an invalid merged contact (400);
   * or the mode leaves it alone: `exists` (create_only, 409) or `unmatched` (update_only, 404).
   */
  | { ref: number; result: 'rejected'; status: 400 | 404 | 409; code: string; reason: string }
  /** Storage gave up after its retries. */
  | { ref: number; result: 'failed'; reason: string };

const ID_PATTERN = /^[0-9a-f]{32}$/;

/**
 * The id a change applies to: the explicit one, or the stable identity (owner + normalised
 * name + company, see contacts/identity.ts) of the columns given, company counting as empty
 * when the input has no company column. Returns undefined for an id that cannot exist.
 */
export function targetIdOf(owner: string, change: Pick<ContactChange, 'explicitId' | 'fields'>): string | undefined {
  if (change.explicitId !== undefined) {
    const id = change.explicitId.trim().toLowerCase();
    return ID_PATTERN.test(id) ? id : undefined;
  }
  return contactId(owner, { name: change.fields.name ?? '', company: change.fields.company ?? '' });
}

export interface ApplyOptions {
  /** Decide the outcomes, write nothing. */
  dryRun?: boolean;
  /** Stamped on every contact written. */
  origin?: ContactOrigin | undefined;
  /**
   * The caller knows none of the targets is stored (a first import into an empty phonebook,
   * whose repeated rows it rejects itself): skip reading them back. Every change creates.
   */
  nothingStored?: boolean;
  /** `create_only`: stored contacts are left alone; `update_only`: nothing is created; `upsert` (default): both. */
  mode?: ImportMode | undefined;
  /**
   * Whether unchanged contacts are rewritten to carry `origin` (default: whenever there is an
   * origin). Jobs do, for "replace" sources; a synchronous import stamps only what it changes,
   * so that a re-import still costs reads only.
   */
  stampUnchanged?: boolean;
  /** Records what each write is about to change before it is sent (the import's undo log). */
  changeLog?: ChangeRecorder | undefined;
}

/** Rejection codes of rows the mode leaves alone (counted apart in the report: no fault of the row). */
export const LEFT_ALONE_CODES = { exists: 'exists', unmatched: 'unmatched' } as const;

function leftAlone(ref: number, status: 404 | 409, code: string, reason: string): ChangeOutcome {
  return { ref, result: 'rejected', status, code, reason };
}

function notFound(ref: number, id: string): ChangeOutcome {
  // Another owner's id is answered exactly like a missing one: ids reveal nothing.
  return { ref, result: 'rejected', status: 404, code: 'not_found', reason: `contact ${id} not found` };
}

/**
 * Applies a batch of changes (at most `store.maxBatchSize`, each to a different contact) to
 * `owner`'s phonebook: loads what is stored, merges, and writes only the contacts created or
 * changed (unchanged ones cost no write). With an `origin` (an import job), unchanged contacts
 * are written too, to carry the new origin: a scheduled "replace" re-import removes the
 * contacts its latest run did not write. With `dryRun`, decides the same outcomes and writes
 * nothing. The `mode` may leave a change alone (rejected with code `exists` or `unmatched`).
 * Resolves with one outcome per change, in order; never rejects.
 */
export async function applyChanges(
  store: ContactStore,
  owner: string,
  changes: readonly ContactChange[],
  options: ApplyOptions = {},
): Promise<ChangeOutcome[]> {
  const targets = changes.map((change) => ('targetId' in change ? change.targetId : targetIdOf(owner, change)));
  let stored: Map<string, Contact>;
  // The origin each stored contact had, when the change log needs it for the undo.
  let origins: Map<string, StoredContact> | undefined;
  try {
    const ids = targets.filter((id): id is string => id !== undefined);
    if (options.nothingStored) stored = new Map();
    else if (options.changeLog && !options.dryRun) {
      origins = await store.readStoredContacts(owner, ids);
      stored = new Map([...origins].map(([id, entry]) => [id, entry.contact]));
    } else stored = await store.readContacts(owner, ids);
  } catch (error) {
    return changes.map((change) => ({ ref: change.ref, result: 'failed', reason: `storage error: ${describe(error)}` }));
  }
  const mode = options.mode ?? 'upsert';
  // create_only with an origin: a contact left alone still carries this import's origin (its
  // values untouched), or a "replace" source would remove it as no longer in the file.
  const stamps: ContactWrite[] = [];
  const outcomes: ChangeOutcome[] = changes.map((change, i) => {
    const id = targets[i];
    if (id === undefined) return notFound(change.ref, change.explicitId ?? '');
    const existing = stored.get(id);
    if (change.explicitId !== undefined && !existing) return notFound(change.ref, id);
    if (mode === 'create_only' && existing) {
      if (options.origin) stamps.push({ rowNumber: change.ref, contact: existing, origin: options.origin });
      return leftAlone(change.ref, 409, LEFT_ALONE_CODES.exists, ROW_MESSAGES.existsLeftAlone);
    }
    if (mode === 'update_only' && !existing)
      return leftAlone(change.ref, 404, LEFT_ALONE_CODES.unmatched, ROW_MESSAGES.unmatchedNotCreated);
    // The fields were checked one by one by the caller, the stored contact when it was written:
    // all a merge can break is the name, which an update may have emptied.
    const contact = existing ? mergeContact(existing, change.fields) : newContact(id, owner, change.fields);
    if (contact.name === '') {
      return { ref: change.ref, result: 'rejected', status: 400, code: 'invalid', reason: ROW_MESSAGES.nameRequired };
    }
    if (!existing) return { ref: change.ref, result: 'created', contact };
    return { ref: change.ref, result: sameContact(existing, contact) ? 'unchanged' : 'updated', contact };
  });
  if (options.dryRun) return outcomes;
  const origin = options.origin;
  const stampUnchanged = options.stampUnchanged ?? origin !== undefined;
  const writes: ContactWrite[] = outcomes.flatMap((outcome) =>
    outcome.result === 'created' || outcome.result === 'updated' || (stampUnchanged && outcome.result === 'unchanged')
      ? [
          {
            rowNumber: outcome.ref,
            contact: outcome.contact,
            ...(origin ? { origin } : {}),
            // What it was shared with before: groups it leaves lose their share items.
            ...(stored.has(outcome.contact.id) ? { previousType: stored.get(outcome.contact.id)?.type } : {}),
          },
        ]
      : [],
  );
  writes.push(...stamps);
  if (writes.length === 0) return outcomes;
  let failures: Array<{ rowNumber: number; reason: string }>;
  try {
    if (options.changeLog) await options.changeLog.record(changeEntriesOf(writes, origins, options.changeLog));
    failures = await store.writeContacts(writes);
  } catch (error) {
    // The writer promises not to reject; if it does, no row may vanish.
    failures = writes.map((write) => ({ rowNumber: write.rowNumber, reason: `storage error: ${describe(error)}` }));
  }
  const failedByRef = new Map(failures.map((failure) => [failure.rowNumber, failure.reason]));
  return outcomes.map((outcome) => {
    const reason = failedByRef.get(outcome.ref);
    const written = outcome.result !== 'rejected' || outcome.code === LEFT_ALONE_CODES.exists;
    return reason !== undefined && outcome.result !== 'failed' && written ? { ref: outcome.ref, result: 'failed', reason } : outcome;
  });
}

/**
 * What the writes will change, for the undo: a contact not stored is created; a stored one
 * keeps its previous value and origin. A contact this same import wrote already (an earlier
 * run of the job, or a repeat of a row) is left out: the entry of that first write holds
 * the value before the import, the one an undo must put back. In a later run of a job
 * (`recovering`), such a contact is logged as a recovered creation: the run before may have
 * died after creating it and before its creations were logged (ChangeLog keeps them until
 * the checkpoint), and its stamp is all that is left to find it by.
 */
function changeEntriesOf(
  writes: readonly ContactWrite[],
  stored: Map<string, StoredContact> | undefined,
  log: ChangeRecorder,
): ChangeEntry[] {
  const entries: ChangeEntry[] = [];
  for (const { contact } of writes) {
    const before = stored?.get(contact.id);
    if (!before) entries.push({ op: 'create', id: contact.id });
    else if (before.origin?.importId !== log.importId) entries.push({ op: 'update', id: contact.id, before });
    else if (log.recovering) entries.push({ op: 'create', id: contact.id, recovered: true });
  }
  return entries;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
