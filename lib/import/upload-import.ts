import { countCsvRows } from '../csv/record-count.js';
import { BadRequestError, TooManyRowsError } from '../errors.js';
import type { ParsedForm } from '../http/multipart.js';
import { ChangeLog } from '../jobs/change-log.js';
import { type ImportJob, newImportId } from '../jobs/job.js';
import type { ContactStore, FileStore, JobStore, UserRepository } from '../storage/ports.js';
import { requireRegisteredUser } from '../users.js';
import { countVcards } from '../vcard/count.js';
import { formatOf } from './file-format.js';
import { parseImportOptions, pipelineOptionsOf } from './import-options.js';
import { importContacts } from './pipeline.js';
import { countXlsxRows } from './xlsx-records.js';
import type { ImportReport } from './report.js';

export interface UploadImportDeps {
  writer: ContactStore;
  writeConcurrency: number;
  maxErrorMessages: number;
  /** Rows a synchronous import may hold (SYNC_IMPORT_MAX_ROWS). */
  maxRows: number;
  /** Where the import is recorded (a finished job) and its change log kept, so that it can be undone. */
  jobs: JobStore;
  files: FileStore;
}

/** A synchronous import's report: the reference's fields, and the id its undo takes (absent on a dry run). */
export type SyncImportReport = ImportReport & { import_id?: string };

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
 * Imports the CSV, vCard or workbook file of an upload form into `owner`'s phonebook. Optional fields: the import
 * options of every path (import-options.ts): `delimiter` (`,` `;` tab; detected when absent),
 * `mapping` (JSON, source header → column), `dry_run=true` (report what would happen, write
 * nothing), `empty_cells` (`unset`, `keep`), `mode` (`upsert`, `create_only`, `update_only`)
 * `encoding`, and `sheet` (a workbook's sheet by name; the first when absent).
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
): Promise<SyncImportReport> {
  const csv = csvFromForm(form);
  const options = pipelineOptionsOf(parseImportOptions(form.fields));
  const format = formatOf(csv.subarray(0, 64 * 1024));
  // A workbook's rows are known only by reading its sheet (no byte scan); the read stops past the limit.
  const rows =
    format === 'xlsx'
      ? await countXlsxRows(once(csv), options.sheet ? { sheet: options.sheet } : {}, deps.maxRows)
      : format === 'vcard'
        ? countVcards(csv)
        : countCsvRows(csv, options.delimiter);
  if (rows > deps.maxRows) throw new TooManyRowsError(rows, deps.maxRows, jobsRoute);
  const startedAt = new Date();
  // A dry run writes nothing, so there is nothing to undo and no import to record.
  const importId = options.dryRun ? undefined : newImportId(startedAt);
  const changeLog = importId ? new ChangeLog(deps.files, owner, importId, { now: startedAt }) : undefined;
  const report = await importContacts(once(csv), {
    owner,
    ...options,
    writer: deps.writer,
    writeConcurrency: deps.writeConcurrency,
    maxErrorMessages: deps.maxErrorMessages,
    ...(importId && changeLog
      ? // Stamped on what it writes (the undo's version check), and what it changes logged first.
        { origin: { importId }, stampUnchanged: false, changeLog }
      : {}),
  });
  if (!importId || !changeLog) return report;
  // The creations, held until now (one PUT), are logged before the import is recorded.
  await changeLog.flush();
  // Not compacted here (an undo reads the parts of a sync import as they are): that would read
  // back every part before the answer. A compaction already started is let finish.
  await changeLog.settled();
  await deps.jobs.createJob(syncJobOf(owner, importId, report, startedAt));
  return { ...report, import_id: importId };
}

/**
 * The record of a finished synchronous import: a completed job, so that it is listed with the
 * jobs and can be undone like one. Written at the end: an import cut off before (the function
 * timed out) leaves its change log in the bucket but no record, and cannot be undone.
 */
function syncJobOf(owner: string, importId: string, report: ImportReport, startedAt: Date): ImportJob {
  const now = new Date().toISOString();
  return {
    owner,
    importId,
    status: 'completed',
    origin: 'sync',
    objectKey: '',
    createdAt: startedAt.toISOString(),
    updatedAt: now,
    startedAt: startedAt.toISOString(),
    finishedAt: now,
    progress: {
      rowsRead: report.total_rows,
      bytesRead: 0,
      imported: report.imported_rows,
      failed: report.failed_rows,
      skipped: report.skipped_rows,
    },
    invocations: 1,
    report,
  };
}

/** The registered user an admin import targets: 400 without `username`, 404 if unknown. */
export function adminImportTarget(form: ParsedForm, users: UserRepository): Promise<string> {
  return requireRegisteredUser(form.fields.username, users);
}
