import { sniffFormat } from './file-format.js';
import { openRecords, type RecordOptions, type RecordSource } from './records.js';
import { openVcardRecords } from './vcard-records.js';

export interface FileRecordOptions extends RecordOptions {
  /** Continue an earlier run: its format, and for vCard the line to number from. */
  resume?: RecordOptions['resume'] & { format?: 'csv' | 'vcard'; nextLine?: number };
}

/**
 * The records of an import file, whatever its format: detected from the content (a file
 * whose first non-blank line is BEGIN:VCARD is read as vCard, anything else as CSV); a
 * resumed run keeps the first run's format. Both yield the same kind of numbered records,
 * and decide the file's encoding by the same rules (lib/csv/decode.ts).
 */
export async function openFileRecords(source: AsyncIterable<Uint8Array>, options: FileRecordOptions = {}): Promise<RecordSource> {
  const resume = options.resume;
  if (resume) {
    if (resume.format !== 'vcard') return openRecords(source, options);
    return openVcardRecords(source, { resume: { nextRow: resume.nextRow, nextLine: resume.nextLine ?? 1, encoding: resume.encoding } });
  }
  const sniffed = await sniffFormat(source);
  if (sniffed.format === 'csv') return openRecords(sniffed.source, options);
  return openVcardRecords(sniffed.source, options.encoding ? { encoding: options.encoding } : {});
}
