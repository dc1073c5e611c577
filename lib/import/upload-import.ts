import { parseEncodingField } from '../csv/decode.js';
import { parseDelimiterField } from '../csv/dialect.js';
import { parseMappingField } from '../csv/header.js';
import { countCsvRows } from '../csv/record-count.js';
import { BadRequestError, TooManyRowsError } from '../errors.js';
import type { ParsedForm } from '../http/multipart.js';
import type { ContactStore, UserRepository } from '../storage/ports.js';
import { requireRegisteredUser } from '../users.js';
import { countVcards } from '../vcard/count.js';
import { formatOf } from './file-format.js';
import { importContacts } from './pipeline.js';
import { parseSheetField } from './sheet-option.js';
import { countXlsxRows } from './xlsx-records.js';
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

/** `true`/`1`/`yes` (any case) mean yes; empty or absent means no. */
export function parseFlag(name: string, raw: string | undefined): boolean {
  const value = (raw ?? '').trim().toLowerCase();
  if (value === '' || value === 'false' || value === '0' || value === 'no') return false;
  if (value === 'true' || value === '1' || value === 'yes') return true;
  throw new BadRequestError(`invalid ${name}`, `'${name}' must be true or false, got '${raw}'`);
}

/**
 * Imports the CSV of an upload form into `owner`'s phonebook. Optional fields: `delimiter`
 * (`,` `;` tab; detected when absent), `encoding` (one of SOURCE_ENCODINGS; detected when
 * absent), `sheet` (a workbook's sheet by name; the first when absent), `mapping` (JSON,
 * source header → column) and `dry_run=true` (report what would happen, write nothing).
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
  const delimiter = parseDelimiterField(form.fields.delimiter);
  const encoding = parseEncodingField(form.fields.encoding);
  const sheet = parseSheetField(form.fields.sheet);
  const format = formatOf(csv.subarray(0, 64 * 1024));
  // A workbook's rows are known only by reading its sheet (no byte scan); the read stops past the limit.
  const rows =
    format === 'xlsx'
      ? await countXlsxRows(once(csv), { sheet }, deps.maxRows)
      : format === 'vcard'
        ? countVcards(csv)
        : countCsvRows(csv, delimiter);
  if (rows > deps.maxRows) throw new TooManyRowsError(rows, deps.maxRows, jobsRoute);
  return importContacts(once(csv), {
    owner,
    ...(delimiter ? { delimiter } : {}),
    ...(encoding ? { encoding } : {}),
    mapping: parseMappingField(form.fields.mapping),
    ...(sheet ? { sheet } : {}),
    dryRun: parseFlag('dry_run', form.fields.dry_run),
    writer: deps.writer,
    writeConcurrency: deps.writeConcurrency,
    maxErrorMessages: deps.maxErrorMessages,
  });
}

/** The registered user an admin import targets: 400 without `username`, 404 if unknown. */
export function adminImportTarget(form: ParsedForm, users: UserRepository): Promise<string> {
  return requireRegisteredUser(form.fields.username, users);
}
