import type { Contact } from '../contacts/contact.js';
import { type ContactField, isContactField } from '../contacts/fields.js';
import { validateFields } from '../contacts/validate.js';
import { BadRequestError, PayloadTooLargeError } from '../errors.js';
import type { ContactStore } from '../storage/ports.js';
import { applyChanges, type ChangeOutcome, type ContactChange, targetIdOf } from './apply-changes.js';

export interface BulkFailure {
  /** Position of the contact in the request's `contacts` array. */
  index: number;
  error_code: 'invalid' | 'not_found' | 'duplicate' | 'storage_error';
  error_message: string;
  status_code: 400 | 404 | 409 | 500;
}

export type BulkContact = Contact & { result: 'created' | 'updated' | 'unchanged' };

export interface BulkResult {
  /** One entry per requested contact, in order: the stored contact, or null where it failed. */
  contacts: Array<BulkContact | null>;
  failed_contacts: BulkFailure[];
  dry_run: boolean;
}

type Prepared = { ok: true; change: ContactChange } | { ok: false; failure: BulkFailure };

function invalid(index: number, message: string): Prepared {
  return { ok: false, failure: { index, error_code: 'invalid', error_message: message, status_code: 400 } };
}

/** One requested contact: the CSV columns (strings; null or "" unsets) and an optional `id`. */
function prepare(index: number, item: unknown): Prepared {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return invalid(index, 'a contact must be a JSON object');
  const cells: Partial<Record<ContactField, string>> = {};
  const errors: string[] = [];
  let id: string | undefined;
  for (const [key, value] of Object.entries(item)) {
    if (value !== null && typeof value !== 'string') {
      errors.push(`field '${key}' must be a string`);
      continue;
    }
    if (key === 'id') id = value === null || value.trim() === '' ? undefined : value;
    else if (isContactField(key)) cells[key] = value ?? '';
    else errors.push(`unknown field '${key}'`);
  }
  const validation = validateFields(cells);
  if (!validation.ok) errors.push(...validation.errors);
  if (id === undefined && !cells.name?.trim()) errors.unshift("field 'name' is required");
  if (errors.length > 0 || !validation.ok) return invalid(index, errors.join('; '));
  return { ok: true, change: { ref: index, explicitId: id, fields: validation.fields } };
}

function failureOf(outcome: ChangeOutcome): BulkFailure | undefined {
  if (outcome.result === 'rejected') {
    return {
      index: outcome.ref,
      error_code: outcome.status === 404 ? 'not_found' : 'invalid',
      error_message: outcome.reason,
      status_code: outcome.status,
    };
  }
  if (outcome.result === 'failed') {
    return { index: outcome.ref, error_code: 'storage_error', error_message: outcome.reason, status_code: 500 };
  }
  return undefined;
}

/**
 * Creates or updates the contacts of a bulk request in `owner`'s phonebook, with the rules of
 * a CSV import: an `id` updates that contact, otherwise the identity (name + company) decides;
 * keys not sent are left untouched. Each contact succeeds or fails on its own.
 * Throws BadRequestError for a body that is not `{contacts: [...]}` with at least one
 * contact, PayloadTooLargeError beyond `maxContacts`.
 */
export async function bulkUpsert(
  body: unknown,
  owner: string,
  store: ContactStore,
  options: { maxContacts: number; dryRun: boolean },
): Promise<BulkResult> {
  const items = (body as { contacts?: unknown } | null)?.contacts;
  if (body === null || typeof body !== 'object' || !Array.isArray(items)) {
    throw new BadRequestError('invalid request body', "send a JSON object with a 'contacts' array");
  }
  if (items.length === 0) throw new BadRequestError('no contacts', "'contacts' must hold at least one contact");
  if (items.length > options.maxContacts) {
    throw new PayloadTooLargeError(`too many contacts: ${items.length}, at most ${options.maxContacts} per request`);
  }
  const contacts: Array<BulkContact | null> = items.map(() => null);
  const failures: BulkFailure[] = [];
  const firstIndexOf = new Map<string, number>();
  const changes: ContactChange[] = [];
  items.forEach((item, index) => {
    const prepared = prepare(index, item);
    if (!prepared.ok) {
      failures.push(prepared.failure);
      return;
    }
    const id = targetIdOf(owner, prepared.change);
    prepared.change.targetId = id;
    if (id === undefined) {
      failures.push({ index, error_code: 'not_found', error_message: `contact ${prepared.change.explicitId} not found`, status_code: 404 });
      return;
    }
    const first = firstIndexOf.get(id);
    if (first !== undefined) {
      failures.push({ index, error_code: 'duplicate', error_message: `same contact as index ${first}`, status_code: 409 });
      return;
    }
    firstIndexOf.set(id, index);
    changes.push(prepared.change);
  });
  for (let start = 0; start < changes.length; start += store.maxBatchSize) {
    const outcomes = await applyChanges(store, owner, changes.slice(start, start + store.maxBatchSize), { dryRun: options.dryRun });
    for (const outcome of outcomes) {
      const failure = failureOf(outcome);
      if (failure) failures.push(failure);
      else if (outcome.result !== 'rejected' && outcome.result !== 'failed') {
        contacts[outcome.ref] = { ...outcome.contact, result: outcome.result };
      }
    }
  }
  failures.sort((a, b) => a.index - b.index);
  return { contacts, failed_contacts: failures, dry_run: options.dryRun };
}
