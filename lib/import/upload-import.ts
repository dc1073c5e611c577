import { BadRequestError } from '../errors.js';
import type { ParsedForm } from '../http/multipart.js';
import type { ContactWriter, UserRepository } from '../storage/ports.js';
import { requireRegisteredUser } from '../users.js';
import { importContacts } from './pipeline.js';
import type { ImportReport } from './report.js';

export interface UploadImportDeps {
  writer: ContactWriter;
  writeConcurrency: number;
  maxErrorMessages: number;
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
    'file is required',
    "send the CSV as a form file field named 'file' (or its text in a field named 'csv_content')",
  );
}

async function* once(bytes: Buffer): AsyncIterable<Uint8Array> {
  yield bytes;
}

/** Imports the CSV of an upload form into `owner`'s phonebook. */
export async function importForm(form: ParsedForm, owner: string, deps: UploadImportDeps): Promise<ImportReport> {
  const csv = csvFromForm(form);
  return importContacts(once(csv), {
    owner,
    writer: deps.writer,
    writeConcurrency: deps.writeConcurrency,
    maxErrorMessages: deps.maxErrorMessages,
  });
}

/** The registered user an admin import targets: 400 without `username`, 404 if unknown. */
export function adminImportTarget(form: ParsedForm, users: UserRepository): Promise<string> {
  return requireRegisteredUser(form.fields.username, users);
}
