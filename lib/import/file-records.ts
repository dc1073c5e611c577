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
 * resumed run keeps the first run's format. Both yield the same kind of numbered records.
 */
export async function openFileRecords(source: AsyncIterable<Uint8Array>, options: FileRecordOptions = {}): Promise<RecordSource> {
  const resume = options.resume;
  if (resume) {
    if (resume.format !== 'vcard') return openRecords(source, options);
    if (resume.encoding === 'utf-8')
      return openVcardRecords(source, { resume: { nextRow: resume.nextRow, nextLine: resume.nextLine ?? 1 } });
    // Only UTF-8 resumes by byte range; a UTF-16 file is read again from its start.
    return openVcardRecords(source, { encoding: resume.encoding === 'utf-16be' ? 'utf-16be' : 'utf-16le' });
  }
  const sniffed = await sniffFormat(source);
  if (sniffed.format === 'csv') return openRecords(sniffed.source, options);
  const first = await peekBom(sniffed.source);
  return openVcardRecords(first.source, first.encoding ? { encoding: first.encoding } : {});
}

/** A UTF-16 byte order mark at the start of the stream, without consuming it. */
async function peekBom(
  source: AsyncIterable<Uint8Array>,
): Promise<{ encoding: 'utf-16le' | 'utf-16be' | undefined; source: AsyncIterable<Uint8Array> }> {
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  const bytes = first.done ? new Uint8Array() : first.value;
  const encoding = bytes[0] === 0xff && bytes[1] === 0xfe ? 'utf-16le' : bytes[0] === 0xfe && bytes[1] === 0xff ? 'utf-16be' : undefined;
  async function* again(): AsyncIterable<Uint8Array> {
    if (!first.done) yield first.value;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { encoding, source: again() };
}
