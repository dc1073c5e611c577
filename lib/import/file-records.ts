import { sniffFormat } from './file-format.js';
import { openRecords, type RecordOptions, type RecordSource } from './records.js';
import { openVcardRecords } from './vcard-records.js';
import { openXlsxRecords } from './xlsx-records.js';

export interface FileRecordOptions extends RecordOptions {
  /** Continue an earlier run: its format, and for vCard the line to number from. */
  resume?: RecordOptions['resume'] & { format?: 'csv' | 'vcard' | 'xlsx'; nextLine?: number };
  /** Workbooks: the sheet to read, by name; the first sheet when absent. */
  sheet?: string | undefined;
}

/**
 * The records of an import file, whatever its format: detected from the content (a zip
 * archive is read as an Excel workbook, a file whose first non-blank line is BEGIN:VCARD as
 * vCard, anything else as CSV); a resumed run keeps the first run's format. All yield the
 * same kind of numbered records; CSV and vCard decide the file's encoding by the same rules
 * (lib/csv/decode.ts).
 */
export async function openFileRecords(source: AsyncIterable<Uint8Array>, options: FileRecordOptions = {}): Promise<RecordSource> {
  const resume = options.resume;
  if (resume) {
    // A workbook has no byte offset to resume at: it is read again and the rows done skipped.
    if (resume.format === 'xlsx') return openXlsxRecords(source, { sheet: options.sheet });
    if (resume.format !== 'vcard') return openRecords(source, options);
    return openVcardRecords(source, { resume: { nextRow: resume.nextRow, nextLine: resume.nextLine ?? 1, encoding: resume.encoding } });
  }
  const sniffed = await sniffFormat(source);
  if (sniffed.format === 'csv') return openRecords(sniffed.source, options);
  if (sniffed.format === 'xlsx') return openXlsxRecords(sniffed.source, { sheet: options.sheet });
  return openVcardRecords(sniffed.source, options.encoding ? { encoding: options.encoding } : {});
}
