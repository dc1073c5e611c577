import type { Contact } from '../contacts/contact.js';
import { type ContactField, isContactField } from '../contacts/fields.js';
import { BadRequestError, PayloadTooLargeError } from '../errors.js';
import type { ContactStore } from '../storage/ports.js';
import { applyChanges, type ChangeOutcome, type ContactChange } from './apply-changes.js';
import { BULK_DUPLICATE, type RowInput, RowRules } from './row-rules.js';

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

const STATUS_OF = { invalid: 400, not_found: 404, duplicate: 409 } as const;

/**
 * One requested contact as a row: the CSV columns (strings; null or "" unsets) and an optional
 * `id`. What is not such a value is named in `errors`, for the row rules to report with the rest.
 */
function rowInputOf(item: unknown): { input: RowInput; errors: string[] } | { notAnObject: true } {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return { notAnObject: true };
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
  return { input: { id, cells }, errors };
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
  const rules = new RowRules(owner, BULK_DUPLICATE);
  const changes: ContactChange[] = [];
  items.forEach((item, index) => {
    const row = rowInputOf(item);
    const decision = 'notAnObject' in row ? undefined : rules.decide(index, row.input, row.errors);
    if (decision === undefined) {
      failures.push({ index, error_code: 'invalid', error_message: 'a contact must be a JSON object', status_code: 400 });
    } else if (decision.ok) {
      changes.push(decision.change);
    } else {
      const { code, reason } = decision.rejection;
      failures.push({ index, error_code: code, error_message: reason, status_code: STATUS_OF[code] });
    }
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
