import { countCsvRows } from '../csv/record-count.js';
import { BadRequestError, TooManyRowsError } from '../errors.js';
import type { ParsedForm } from '../http/multipart.js';
import type { ContactStore, UserRepository } from '../storage/ports.js';
import { requireRegisteredUser } from '../users.js';
import { countVcards } from '../vcard/count.js';
import { formatOf } from './file-format.js';
import { parseImportOptions, pipelineOptionsOf } from './import-options.js';
import { importContacts } from './pipeline.js';
import type { ImportReport } from './report.js';

export interface UploadImportDeps {
  writer: ContactStore;
  writeConcurrency: number;
  maxErrorMessages: number;
  /** Rows a synchronous import may hold (SYNC_IMPORT_MAX_ROWS). */
  maxRows: number;
}

/**
 * The CSV bytes of an import form: the `file` part, or, as the reference API's curl example
 * sends it, the text of a `csv_content` field (with `file` then carrying only a file name).
 */
export function csvFromForm(form: ParsedForm): Buffer {
  const file = form.files.file;
  if (file) return file.content;
  const text = form.fields.csv_content;
  if (text !== undefined) return Buffer.from(text, 'utf8');
  throw new BadRequestError(
    // The reference's words: clients match on them.
    'file required',
    "send the CSV as a form file field named 'file' (or its text in a field named 'csv_content')",
  );
}

async function* once(bytes: Buffer): AsyncIterable<Uint8Array> {
  yield bytes;
}

// Kept here too: callers of the sync import took it from this module.
export { parseFlag } from './import-options.js';

/**
 * Imports the CSV or vCard file of an upload form into `owner`'s phonebook. Optional fields: the import
 * options of every path (import-options.ts): `delimiter` (`,` `;` tab; detected when absent),
 * `mapping` (JSON, source header → column), `dry_run=true` (report what would happen, write
 * nothing), `empty_cells` (`unset`, `keep`), `mode` (`upsert`, `create_only`, `update_only`)
 * and `encoding`.
 *
 * A synchronous import must end before API Gateway stops waiting (29 s), so a file of more
 * than `deps.maxRows` rows is refused with TooManyRowsError (413, naming `jobsRoute`, where
 * jobs take any size) after a byte scan of milliseconds, before anything is parsed or written.
 */
export async function importForm(
  form: ParsedForm,
  owner: string,
  deps: UploadImportDeps,
  jobsRoute = '/phonebook/imports',
): Promise<ImportReport> {
  const csv = csvFromForm(form);
  const options = pipelineOptionsOf(parseImportOptions(form.fields));
  const rows = formatOf(csv.subarray(0, 64 * 1024)) === 'vcard' ? countVcards(csv) : countCsvRows(csv, options.delimiter);
  if (rows > deps.maxRows) throw new TooManyRowsError(rows, deps.maxRows, jobsRoute);
  return importContacts(once(csv), {
    owner,
    ...options,
    writer: deps.writer,
    writeConcurrency: deps.writeConcurrency,
    maxErrorMessages: deps.maxErrorMessages,
  });
}

/** The registered user an admin import targets: 400 without `username`, 404 if unknown. */
export function adminImportTarget(form: ParsedForm, users: UserRepository): Promise<string> {
  return requireRegisteredUser(form.fields.username, users);
}
