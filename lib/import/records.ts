import { CsvError, type Options as CsvParseOptions, Parser } from 'csv-parse';
import { decodeAs, decodeCsvSource, type EncodingDecision, type SourceEncoding } from '../csv/decode.js';
import { type Delimiter, sniffDelimiter } from '../csv/dialect.js';
import type { FileFormat } from './file-format.js';

/**
 * The records stage of an import: bytes → decoded text → delimiter → numbered CSV records,
 * in file order. It knows nothing of contacts; the row rules and the writer come after it.
 */

/** A record bigger than this is a runaway quoted field, not a contact. */
const MAX_RECORD_BYTES = 1024 * 1024;

export interface NumberedRecord {
  row: number;
  cells: string[];
  /** Offset in the parsed stream where the next record starts. */
  endOffset: number;
  /** vCard files: the line the card starts on, and the line after it. */
  line?: number;
  nextLine?: number;
  /** vCard files: what the card held besides its cells (see VcardTally). */
  vcard?: { version: string; unmapped: readonly string[]; linesOutside: number };
}

/** A record the parser could not read; vCard files also say where it was. */
export interface MalformedRecord {
  row: number;
  malformed: string;
  line?: number;
  nextLine?: number;
  endOffset?: number;
}

/**
 * What the records stage yields: a record; a record the parser could not read (skipped, the
 * rows after it still read); or the end of reading, when an error leaves nothing readable after it.
 */
export type FileRecord = NumberedRecord | MalformedRecord | { stopped: CsvError };

export interface RecordSource {
  format: FileFormat;
  /** The row number of the header: 1 in a CSV file (spreadsheet rows), 0 for vCard's synthetic one (cards count from 1). */
  headerRow: number;
  encoding: SourceEncoding;
  /** How the encoding was decided (detected, asked for, ...), for the report. */
  encodingDecision: EncodingDecision;
  delimiter: Delimiter;
  /** Bytes taken from the source so far (ahead of the records handled: the parser reads ahead). */
  bytesFetched(): number;
  records: AsyncIterable<FileRecord>;
  /** Stops reading (a paused import); the records iterable then ends. */
  close(): void;
  /** Settles once the source has been read to its end (or reading was stopped). */
  fed: Promise<void>;
  /** Workbooks: the report's first lines (the format and sheet read), asked once the records are read. */
  formatNotes?: () => string[];
}

export interface RecordOptions {
  /** Forced delimiter; detected from the header row when absent. */
  delimiter?: Delimiter;
  /** Forced encoding; detected when absent. */
  encoding?: SourceEncoding;
  /**
   * Continue an earlier run. A UTF-8 file then starts at `byteOffset`, at a row boundary: no
   * sniffing, no header in the stream, rows numbered from `nextRow`. Other encodings re-read
   * the file from its start, decoded as the first run decided (never detected again: the
   * first run may have been told the encoding). The delimiter stays the first run's, as
   * mid-file there is no header to read it from.
   */
  resume?: { nextRow: number; encoding: SourceEncoding; delimiter?: Delimiter | undefined };
}

/**
 * A csv-parse stream that numbers its records and notes where each one ends. csv-parse's own
 * hook for this (`on_record`) builds an info object of a dozen fields per record (~8% of the
 * pipeline's time); the two numbers we need are read here, as each record is pushed, in the
 * same file order as the parser's skip callback sees malformed records.
 */
class NumberingParser extends Parser {
  constructor(
    options: CsvParseOptions,
    private readonly nextRow: () => number,
  ) {
    super(options);
  }

  override push(record: unknown, encoding?: BufferEncoding): boolean {
    if (record === null) return super.push(null, encoding);
    const numbered: NumberedRecord = { row: this.nextRow(), cells: record as string[], endOffset: this.info.bytes };
    return super.push(numbered, encoding);
  }
}

function describeParseError(error: CsvError | undefined): string {
  if (error?.code === 'CSV_QUOTE_NOT_CLOSED') {
    return 'a quoted field opened in this row is never closed, so this row and every line after it could not be read';
  }
  return error?.message ?? 'malformed CSV record';
}

async function* countBytes(source: AsyncIterable<Uint8Array>, counter: { bytes: number }): AsyncIterable<Uint8Array> {
  for await (const chunk of source) {
    counter.bytes += chunk.byteLength;
    yield chunk;
  }
}

/** Pushes decoded chunks into the parser, honouring its back-pressure. */
async function feed(chunks: AsyncIterable<Buffer | string>, parser: Parser): Promise<void> {
  try {
    for await (const chunk of chunks) {
      if (parser.destroyed) return;
      if (!parser.write(chunk)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            parser.off('drain', done);
            parser.off('close', done);
            resolve();
          };
          parser.once('drain', done);
          parser.once('close', done);
        });
      }
    }
    if (!parser.destroyed) parser.end();
  } catch (error) {
    parser.destroy(error instanceof Error ? error : new Error(String(error)));
  }
}

function parserOptionsOf(delimiter: Delimiter, withBom: boolean, onSkip: (error: CsvError | undefined) => void): CsvParseOptions {
  return {
    bom: withBom,
    delimiter,
    // Files stitched together from several sources mix line endings; accept all of them.
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    skip_empty_lines: false,
    // A stray quote stays part of its cell instead of swallowing the rows after it.
    relax_quotes: true,
    skip_records_with_error: true,
    max_record_size: MAX_RECORD_BYTES,
    on_skip: (error: CsvError | undefined) => {
      onSkip(error);
      return undefined;
    },
  };
}

/**
 * The parser reports skipped records as it meets them, ahead of the records it has already
 * queued; replaying them by row number keeps the records in file order. An unrecoverable parse
 * error (a record over the size limit) ends the records with `stopped`.
 */
async function* inFileOrder(parser: Parser, skipped: Array<{ row: number; malformed: string }>): AsyncIterable<FileRecord> {
  try {
    for await (const record of parser as AsyncIterable<NumberedRecord>) {
      while (skipped.length > 0 && (skipped[0]?.row ?? record.row) < record.row) yield skipped.shift() as FileRecord;
      yield record;
    }
    while (skipped.length > 0) yield skipped.shift() as FileRecord;
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    yield { stopped: error };
  }
}

/** Opens the records of a CSV byte stream; see RecordSource. */
export async function openRecords(source: AsyncIterable<Uint8Array>, options: RecordOptions = {}): Promise<RecordSource> {
  const byteCounter = { bytes: 0 };
  const counted = countBytes(source, byteCounter);
  const resume = options.resume;
  const resumesAtOffset = resume?.encoding === 'utf-8';
  const decoded = resume
    ? { encoding: resume.encoding, decision: { how: 'checkpoint' as const }, chunks: decodeAs(counted, resume.encoding) }
    : await decodeCsvSource(counted, options.encoding);
  const dialect = resume
    ? { delimiter: options.delimiter ?? resume.delimiter ?? ',', chunks: decoded.chunks }
    : await sniffDelimiter(decoded.chunks, options.delimiter);
  let row = resumesAtOffset ? resume.nextRow - 1 : 0;
  const skipped: Array<{ row: number; malformed: string }> = [];
  // Called in file order with the records the parser pushes, so numbering here keeps rows
  // true even when the parser drops a malformed record between two good ones.
  const onSkip = (error: CsvError | undefined) => skipped.push({ row: ++row, malformed: describeParseError(error) });
  const parser = new NumberingParser(parserOptionsOf(dialect.delimiter, !resumesAtOffset, onSkip), () => ++row);
  return {
    format: 'csv',
    headerRow: 1,
    encoding: decoded.encoding,
    encodingDecision: decoded.decision,
    delimiter: dialect.delimiter,
    bytesFetched: () => byteCounter.bytes,
    records: inFileOrder(parser, skipped),
    close: () => parser.destroy(),
    fed: feed(dialect.chunks, parser),
  };
}
