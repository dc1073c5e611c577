import { CsvError, type Options as CsvParseOptions, parse } from 'csv-parse';
import type { ContactField } from '../contacts/fields.js';
import { contactId } from '../contacts/identity.js';
import { validateContact } from '../contacts/validate.js';
import { decodeCsvSource } from '../csv/decode.js';
import { type HeaderMapping, mapHeader } from '../csv/header.js';
import { InvalidCsvError } from '../errors.js';
import type { ContactWrite, ContactWriter } from '../storage/ports.js';
import { DEFAULT_MAX_ERROR_MESSAGES, type ImportReport, ReportBuilder } from './report.js';

export interface ImportProgress {
  rowsRead: number;
  bytesRead: number;
  imported: number;
  failed: number;
  skipped: number;
}

export interface ImportOptions {
  /** Whose phonebook the contacts go into. */
  owner: string;
  writer: ContactWriter;
  /** Batches in flight to storage at once. */
  writeConcurrency?: number;
  maxErrorMessages?: number;
  /** Called every `progressEveryRows` rows and once at the end. */
  onProgress?: (progress: ImportProgress) => void;
  progressEveryRows?: number;
}

/** A record bigger than this is a runaway quoted field, not a contact. */
const MAX_RECORD_BYTES = 1024 * 1024;

interface NumberedRecord {
  row: number;
  cells: string[];
}

type ParsedItem = NumberedRecord | { row: number; malformed: string };

function isBlank(cells: readonly string[]): boolean {
  for (const cell of cells) if (cell.trim() !== '') return false;
  return true;
}

/** Extra cells beyond the header are tolerated only when empty (trailing separators). */
function widthProblem(cells: readonly string[], header: HeaderMapping): string | undefined {
  if (cells.length < header.width) {
    return `has ${cells.length} fields but the header has ${header.width}`;
  }
  for (let i = header.width; i < cells.length; i++) {
    if ((cells[i] ?? '').trim() !== '') {
      return `has ${cells.length} fields but the header has ${header.width}`;
    }
  }
  return undefined;
}

async function* countBytes(
  source: AsyncIterable<Uint8Array>,
  counter: { bytes: number },
): AsyncIterable<Uint8Array> {
  for await (const chunk of source) {
    counter.bytes += chunk.byteLength;
    yield chunk;
  }
}

/**
 * Bounded-concurrency batch writer: at most `concurrency` batches in flight, so memory stays
 * flat and the parser is paused (back-pressure) while storage catches up.
 */
class BatchSink {
  private readonly inFlight = new Set<Promise<void>>();
  private batch: ContactWrite[] = [];

  constructor(
    private readonly writer: ContactWriter,
    private readonly report: ReportBuilder,
    private readonly concurrency: number,
  ) {}

  async add(write: ContactWrite): Promise<void> {
    this.batch.push(write);
    if (this.batch.length >= this.writer.maxBatchSize) await this.flushBatch();
  }

  private async flushBatch(): Promise<void> {
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    while (this.inFlight.size >= this.concurrency) await Promise.race(this.inFlight);
    const task = this.writer.writeContacts(batch).then(
      (failures) => this.settle(batch.length, failures),
      (error: unknown) =>
        // The writer promises not to reject; if it does, no row may vanish.
        this.settle(
          batch.length,
          batch.map((w) => ({ rowNumber: w.rowNumber, reason: `storage error: ${String(error)}` })),
        ),
    );
    const tracked = task.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private settle(size: number, failures: ReadonlyArray<{ rowNumber: number; reason: string }>): void {
    this.report.addImported(size - failures.length);
    for (const failure of failures) this.report.addFailed(failure.rowNumber, failure.reason);
  }

  async drain(): Promise<void> {
    await this.flushBatch();
    await Promise.all(this.inFlight);
  }
}

/**
 * Streams a CSV file into a phonebook: decode → parse → validate → de-duplicate → batched
 * writes. Holds one batch per in-flight write and the ids seen so far, never the file.
 *
 * Row numbers are spreadsheet rows: the header is row 1 and a quoted field spanning lines is
 * still one row. Blank rows are neither contacts nor counted. Every other row ends up in
 * exactly one of imported, failed or skipped, so total = imported + failed + skipped.
 *
 * Throws InvalidCsvError when nothing can be imported at all (empty, binary, no `name`).
 */
export async function importContacts(
  source: AsyncIterable<Uint8Array>,
  options: ImportOptions,
): Promise<ImportReport> {
  const report = new ReportBuilder(options.maxErrorMessages ?? DEFAULT_MAX_ERROR_MESSAGES);
  const byteCounter = { bytes: 0 };
  const decoded = await decodeCsvSource(countBytes(source, byteCounter));
  if (decoded.encoding === 'windows-1252') {
    report.note('the file is not valid UTF-8; it was read as Windows-1252');
  }

  let row = 0;
  const skippedByParser: Array<{ row: number; malformed: string }> = [];
  const parserOptions: CsvParseOptions<NumberedRecord, string[]> = {
    bom: true,
    // Files stitched together from several sources mix line endings; accept all of them.
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    skip_empty_lines: false,
    // A stray quote stays part of its cell instead of swallowing the rows after it.
    relax_quotes: true,
    skip_records_with_error: true,
    max_record_size: MAX_RECORD_BYTES,
    // Both callbacks run in file order, so numbering here keeps rows true even when the
    // parser drops a malformed record between two good ones.
    on_record: (cells: string[]): NumberedRecord => ({ row: ++row, cells }),
    on_skip: (error: CsvError | undefined) => {
      skippedByParser.push({ row: ++row, malformed: describeParseError(error) });
      return undefined;
    },
  };
  // csv-parse types on_record transforms only together with `columns`; the runtime takes it as is.
  const parser = parse(parserOptions as unknown as CsvParseOptions);
  const feeding = feed(decoded.chunks, parser);

  const sink = new BatchSink(options.writer, report, Math.max(1, options.writeConcurrency ?? 4));
  const firstRowOf = new Map<string, number>();
  const progressEvery = options.progressEveryRows ?? 10_000;
  let header: HeaderMapping | undefined;
  let dataRows = 0;

  const progress = (): ImportProgress => ({
    rowsRead: Math.max(0, row - 1),
    bytesRead: byteCounter.bytes,
    ...report.counts,
  });

  const handle = async (item: ParsedItem): Promise<void> => {
    if ('malformed' in item) {
      report.addSkipped(item.row, `malformed CSV: ${item.malformed}`);
      return;
    }
    const { row: rowNumber, cells } = item;
    if (header === undefined) {
      if (isBlank(cells)) throw new InvalidCsvError('the first row must be the header, but it is blank');
      header = mapHeader(cells);
      if (header.unknown.length > 0) report.note(`unknown columns ignored: ${header.unknown.join(', ')}`);
      if (header.repeated.length > 0) {
        report.note(`columns named more than once, first one used: ${header.repeated.join(', ')}`);
      }
      return;
    }
    if (isBlank(cells)) return;
    dataRows++;
    const width = widthProblem(cells, header);
    if (width !== undefined) {
      report.addSkipped(rowNumber, width);
      return;
    }
    const mapped: Partial<Record<ContactField, string>> = {};
    for (const [field, index] of header.columns) mapped[field] = cells[index] ?? '';
    const validation = validateContact(mapped);
    if (!validation.ok) {
      report.addSkipped(rowNumber, validation.errors.join('; '));
      return;
    }
    const id = contactId(options.owner, validation.contact);
    const firstRow = firstRowOf.get(id);
    if (firstRow !== undefined) {
      report.addSkipped(rowNumber, `duplicate of row ${firstRow} (same name and company)`);
      return;
    }
    firstRowOf.set(id, rowNumber);
    // Not `{ ...contact, id, owner }`: V8 takes a slow path for a 26-field spread plus new keys (~10 us a row).
    await sink.add({ rowNumber, contact: Object.assign({}, validation.contact, { id, owner: options.owner }) });
    if (options.onProgress && dataRows % progressEvery === 0) options.onProgress(progress());
  };

  try {
    // The parser reports skipped records as it meets them, ahead of the records it has
    // already queued; replaying them by row number keeps the report in file order.
    const handleSkippedBefore = async (limit: number): Promise<void> => {
      while (skippedByParser.length > 0 && (skippedByParser[0]?.row ?? limit) < limit) {
        await handle(skippedByParser.shift() as ParsedItem);
      }
    };
    for await (const record of parser as AsyncIterable<NumberedRecord>) {
      await handleSkippedBefore(record.row);
      await handle(record);
    }
    await handleSkippedBefore(Number.POSITIVE_INFINITY);
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    // An unrecoverable parse error (an unclosed quote swallowing the rest of the file):
    // keep what was read, and say exactly where reading stopped.
    if (header === undefined) throw new InvalidCsvError(`the header row is not valid CSV: ${error.message}`);
    report.addSkipped(row + 1, `malformed CSV, reading stopped here: ${error.message}`);
  } finally {
    await sink.drain();
  }
  await feeding;
  if (header === undefined) throw new InvalidCsvError('the file is empty');
  if (dataRows === 0 && report.totalRows === 0) report.note('the file has a header but no data rows');
  options.onProgress?.(progress());
  return report.build();
}

function describeParseError(error: CsvError | undefined): string {
  if (error?.code === 'CSV_QUOTE_NOT_CLOSED') {
    return 'a quoted field opened in this row is never closed, so this row and every line after it could not be read';
  }
  return error?.message ?? 'malformed CSV record';
}

/** Pushes decoded chunks into the parser, honouring its back-pressure. */
async function feed(chunks: AsyncIterable<Buffer | string>, parser: ReturnType<typeof parse>): Promise<void> {
  try {
    for await (const chunk of chunks) {
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
      if (parser.destroyed) return;
    }
    parser.end();
  } catch (error) {
    parser.destroy(error instanceof Error ? error : new Error(String(error)));
  }
}
