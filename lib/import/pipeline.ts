import { CsvError, type Options as CsvParseOptions, Parser } from 'csv-parse';
import { validateFields } from '../contacts/validate.js';
import { decodeCsvSource, type SourceEncoding } from '../csv/decode.js';
import { type Delimiter, sniffDelimiter } from '../csv/dialect.js';
import { type ColumnMapping, type HeaderMapping, mapHeader, readRecord } from '../csv/header.js';
import { InvalidCsvError } from '../errors.js';
import type { ContactOrigin, ContactStore } from '../storage/ports.js';
import { type ApplyOptions, applyChanges, type ChangeOutcome, type ContactChange, targetIdOf } from './apply-changes.js';
import { FirstRowIndex } from './first-row-index.js';
import { DEFAULT_MAX_ERROR_MESSAGES, type ImportReport, ReportBuilder, type ReportState } from './report.js';

export interface ImportProgress {
  /** Data rows handled so far (blank rows included, the header not). */
  rowsRead: number;
  /** Bytes of the file handled so far (exact for UTF-8 files; bytes fetched otherwise). */
  bytesRead: number;
  imported: number;
  failed: number;
  skipped: number;
}

/**
 * Where a paused import continues: every row before `nextRow` is written and counted in
 * `report`. For UTF-8 files `byteOffset` is where row `nextRow` starts in the file, so the
 * rest can be fetched with a byte range; other encodings re-read the file and skip rows.
 */
export interface ImportCheckpoint {
  nextRow: number;
  byteOffset: number;
  encoding: SourceEncoding;
  header: string[];
  /** Absent in checkpoints written before delimiters were detected: a comma. */
  delimiter?: Delimiter;
  report: ReportState;
}

export interface ImportOptions {
  /** Whose phonebook the contacts go into. */
  owner: string;
  writer: ContactStore;
  /** Forced delimiter; detected from the header row when absent. */
  delimiter?: Delimiter;
  /** Source header → column, over the presets and our own column names. */
  mapping?: ColumnMapping;
  /** Decide and report every row's outcome, write nothing. */
  dryRun?: boolean;
  /** Batches in flight to storage at once. */
  writeConcurrency?: number;
  maxErrorMessages?: number;
  /** Called every `progressEveryRows` rows and once at the end. */
  onProgress?: (progress: ImportProgress) => void;
  progressEveryRows?: number;
  /** Stamped on every written contact (which import, which scheduled source). */
  origin?: ContactOrigin;
  /** Every row that is not imported, with the reason and its cells when there are any. */
  onRejectedRow?: (row: number, reason: string, cells: readonly string[] | undefined) => void;
}

export interface ResumableImportOptions extends ImportOptions {
  /** Continue a paused import; the source must then start at `resumeFrom.byteOffset` (UTF-8) or at 0. */
  resumeFrom?: ImportCheckpoint;
  /** Asked after each row; true pauses the import at that row boundary. */
  shouldPause?: () => boolean;
  /** Called with a consistent checkpoint every `checkpointEveryRows` rows (writes drained). */
  onCheckpoint?: (checkpoint: ImportCheckpoint, progress: ImportProgress) => Promise<void>;
  checkpointEveryRows?: number;
}

export type ImportOutcome =
  | { status: 'completed'; report: ImportReport; header: string[] }
  | { status: 'paused'; checkpoint: ImportCheckpoint; progress: ImportProgress };

/** A record bigger than this is a runaway quoted field, not a contact. */
const MAX_RECORD_BYTES = 1024 * 1024;

interface NumberedRecord {
  row: number;
  cells: string[];
  /** Offset in the parsed stream where the next record starts. */
  endOffset: number;
}

type ParsedItem = NumberedRecord | { row: number; malformed: string };

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

function isBlank(cells: readonly string[]): boolean {
  for (const cell of cells) if (cell.trim() !== '') return false;
  return true;
}

/**
 * Extra cells beyond the header are tolerated only when empty (trailing separators); a row
 * may end early only when the cells it lacks are of columns that are not imported.
 */
function widthProblem(cells: readonly string[], header: HeaderMapping): string | undefined {
  const problem = `has ${cells.length} fields but the header has ${header.width}`;
  if (cells.length < header.width && cells.length <= header.lastUsedIndex) return problem;
  for (let i = header.width; i < cells.length; i++) {
    if ((cells[i] ?? '').trim() !== '') return problem;
  }
  return undefined;
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

async function* asBuffers(source: AsyncIterable<Uint8Array>): AsyncIterable<Buffer> {
  for await (const chunk of source) yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Bounded-concurrency batch writer: at most `concurrency` batches in flight, so memory stays
 * flat and the parser is paused (back-pressure) while storage catches up.
 */
class BatchSink {
  private readonly inFlight = new Set<Promise<void>>();
  private batch: ContactChange[] = [];
  /** The batch's cells, row for row, kept only to report rows storage refuses. */
  private batchCells: Array<readonly string[]> = [];

  constructor(
    private readonly writer: ContactStore,
    private readonly report: ReportBuilder,
    private readonly concurrency: number,
    private readonly onRejectedRow: ImportOptions['onRejectedRow'],
    private readonly owner: string,
    private readonly apply: ApplyOptions,
  ) {}

  /** Queues a change; true when the batch is full and `flushBatch` is due. */
  add(change: ContactChange, cells: readonly string[]): boolean {
    this.batch.push(change);
    if (this.onRejectedRow) this.batchCells.push(cells);
    return this.batch.length >= this.writer.maxBatchSize;
  }

  /** Sends the batch, after waiting for a free slot when `concurrency` batches are in flight. */
  async flushBatch(): Promise<void> {
    if (this.batch.length === 0) return;
    const batch = this.batch;
    const cells = this.batchCells;
    this.batch = [];
    this.batchCells = [];
    while (this.inFlight.size >= this.concurrency) await Promise.race(this.inFlight);
    const task = applyChanges(this.writer, this.owner, batch, this.apply).then((outcomes) => this.settle(outcomes, cells));
    const tracked = task.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /** `outcomes` are the batch's, in its order (as applyChanges promises), and so are `cells`. */
  private settle(outcomes: readonly ChangeOutcome[], cells: ReadonlyArray<readonly string[]>): void {
    outcomes.forEach((outcome, i) => {
      if (outcome.result === 'rejected' || outcome.result === 'failed') {
        // An unknown id or an update that leaves no name is the row's own fault: skipped.
        if (outcome.result === 'rejected') this.report.addSkipped(outcome.ref, outcome.reason);
        else this.report.addFailed(outcome.ref, outcome.reason);
        this.onRejectedRow?.(outcome.ref, outcome.reason, cells[i]);
      } else {
        this.report.addApplied(outcome.result);
      }
    });
  }

  async drain(): Promise<void> {
    await this.flushBatch();
    await Promise.all(this.inFlight);
  }
}

/**
 * Streams a CSV file into a phonebook and returns the report; see `runImport`.
 * Throws InvalidCsvError when nothing can be imported at all (empty, binary, no `name`).
 */
export async function importContacts(source: AsyncIterable<Uint8Array>, options: ImportOptions): Promise<ImportReport> {
  const outcome = await runImport(source, options);
  if (outcome.status !== 'completed') throw new Error('an import without shouldPause cannot pause');
  return outcome.report;
}

/**
 * Streams a CSV file into a phonebook: decode → parse → validate → de-duplicate → batched
 * writes. Holds one batch per in-flight write and the ids seen so far, never the file.
 *
 * Row numbers are spreadsheet rows: the header is row 1 and a quoted field spanning lines is
 * still one row. Blank rows are neither contacts nor counted. Every other row ends up in
 * exactly one of imported, failed or skipped, so total = imported + failed + skipped.
 *
 * With `shouldPause` it can stop at a row boundary and return a checkpoint from which
 * `resumeFrom` continues; rows are then neither lost nor counted twice. (Duplicates within
 * the file are recognised within one run; across a pause, a repeated row rewrites the same
 * contact instead of being reported as a repeat.)
 *
 * Throws InvalidCsvError when nothing can be imported at all (empty, binary, no `name`).
 */
export async function runImport(source: AsyncIterable<Uint8Array>, options: ResumableImportOptions): Promise<ImportOutcome> {
  const resume = options.resumeFrom;
  const maxMessages = options.maxErrorMessages ?? DEFAULT_MAX_ERROR_MESSAGES;
  const report = resume ? ReportBuilder.restore(resume.report, maxMessages) : new ReportBuilder(maxMessages);
  const byteCounter = { bytes: 0 };
  const counted = countBytes(source, byteCounter);

  // A UTF-8 resume starts mid-file at a row boundary: no sniffing, no header in the stream.
  const resumesAtOffset = resume?.encoding === 'utf-8';
  const startOffset = resumesAtOffset ? resume.byteOffset : 0;
  let encoding: SourceEncoding;
  let chunks: AsyncIterable<Buffer | string>;
  if (resumesAtOffset) {
    encoding = 'utf-8';
    chunks = asBuffers(counted);
  } else {
    const decoded = await decodeCsvSource(counted);
    encoding = decoded.encoding;
    chunks = decoded.chunks;
    if (!resume && encoding === 'windows-1252') report.note('the file is not valid UTF-8; it was read as Windows-1252');
  }
  // A resumed import keeps the delimiter of its first run: mid-file there is no header to read it from.
  const dialect = resume
    ? { delimiter: options.delimiter ?? resume.delimiter ?? ',', chunks }
    : await sniffDelimiter(chunks, options.delimiter);
  /** Rows below this were handled by an earlier run of the same import. */
  const firstRowToHandle = resume?.nextRow ?? 0;

  let row = resumesAtOffset ? resume.nextRow - 1 : 0;
  const skippedByParser: Array<{ row: number; malformed: string }> = [];
  const parserOptions: CsvParseOptions = {
    bom: !resumesAtOffset,
    delimiter: dialect.delimiter,
    // Files stitched together from several sources mix line endings; accept all of them.
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    skip_empty_lines: false,
    // A stray quote stays part of its cell instead of swallowing the rows after it.
    relax_quotes: true,
    skip_records_with_error: true,
    max_record_size: MAX_RECORD_BYTES,
    // Called in file order with the records the parser pushes, so numbering here keeps rows
    // true even when the parser drops a malformed record between two good ones.
    on_skip: (error: CsvError | undefined) => {
      skippedByParser.push({ row: ++row, malformed: describeParseError(error) });
      return undefined;
    },
  };
  const parser = new NumberingParser(parserOptions, () => ++row);
  const feeding = feed(dialect.chunks, parser);

  // An import into an empty phonebook has nothing to read back: every identity it meets is
  // new, and the file's own repeats are rejected by firstRowOf below. That halves the requests
  // of the common first bulk load. Asked again by every run of a job: once an earlier run has
  // written, a resumed one reads, so its rows can still update what that run created.
  const nothingStored = !(await options.writer.hasContacts(options.owner));
  const sink = new BatchSink(options.writer, report, Math.max(1, options.writeConcurrency ?? 4), options.onRejectedRow, options.owner, {
    dryRun: options.dryRun ?? false,
    origin: options.origin,
    nothingStored,
  });
  const firstRowOf = new FirstRowIndex();
  const progressEvery = options.progressEveryRows ?? 10_000;
  const checkpointEvery = options.checkpointEveryRows ?? 10_000;
  let header: HeaderMapping | undefined = resume ? mapHeader(resume.header, options.mapping) : undefined;
  let headerCells: string[] = resume?.header ?? [];
  let dataRows = 0;
  // The parser reads ahead of what is handled; progress and checkpoints speak of handled rows.
  let lastHandledRow = resume ? resume.nextRow - 1 : 1;
  let lastHandledOffset = startOffset;
  // A run pauses only after handling at least one row, so even a spent time budget progresses.
  let rowsHandledThisRun = 0;

  const progress = (): ImportProgress => ({
    rowsRead: Math.max(0, lastHandledRow - 1),
    bytesRead: encoding === 'utf-8' ? lastHandledOffset : byteCounter.bytes,
    ...report.counts,
  });
  const checkpoint = (): ImportCheckpoint => ({
    nextRow: lastHandledRow + 1,
    byteOffset: lastHandledOffset,
    encoding,
    header: headerCells,
    delimiter: dialect.delimiter,
    report: report.snapshot(),
  });
  const reject = (rowNumber: number, reason: string, cells: readonly string[] | undefined): void => {
    report.addSkipped(rowNumber, reason);
    options.onRejectedRow?.(rowNumber, reason, cells);
  };

  /**
   * Decides one row: rejected and reported, or a change to write. Synchronous, so that only a
   * full batch costs the row loop an await.
   */
  const handle = (item: ParsedItem): ContactChange | undefined => {
    if (item.row < firstRowToHandle) {
      // Re-reading a file that cannot be resumed by offset: the header is kept, rows skipped.
      if (item.row === 1 && 'cells' in item) headerCells = item.cells;
      return;
    }
    lastHandledRow = item.row;
    if (item.row > 1) rowsHandledThisRun++;
    if ('malformed' in item) {
      reject(item.row, `malformed CSV: ${item.malformed}`, undefined);
      return;
    }
    const { row: rowNumber, cells } = item;
    lastHandledOffset = startOffset + item.endOffset;
    if (header === undefined) {
      if (isBlank(cells)) throw new InvalidCsvError('the first row must be the header, but it is blank');
      header = mapHeader(cells, options.mapping);
      headerCells = cells;
      if (header.preset !== undefined) report.note(`header recognised: ${header.preset} export`);
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
      reject(rowNumber, width, cells);
      return;
    }
    const record = readRecord(header, cells);
    const validation = validateFields(record.cells);
    // Without an id the row creates or replaces by identity, so it needs a name.
    const nameless = record.id === undefined && !record.cells.name;
    if (!validation.ok || nameless) {
      const errors = [...(nameless ? ["field 'name' is required"] : []), ...(validation.ok ? [] : validation.errors)];
      reject(rowNumber, errors.join('; '), cells);
      return;
    }
    const change: ContactChange = { ref: rowNumber, explicitId: record.id, fields: validation.fields };
    const id = targetIdOf(options.owner, change);
    change.targetId = id;
    if (id === undefined) {
      reject(rowNumber, `contact ${record.id} not found`, cells);
      return;
    }
    const firstRow = firstRowOf.get(id);
    if (firstRow !== undefined) {
      const same = record.id === undefined ? 'same name and company' : 'same id';
      reject(rowNumber, `duplicate of row ${firstRow} (${same})`, cells);
      return;
    }
    firstRowOf.set(id, rowNumber);
    return change;
  };

  // Counted over every row, whatever became of it: a rejected row must not skip a checkpoint.
  let lastProgressAt = 0;
  let lastCheckpointAt = 0;
  /** Reports progress when it is due; says whether a checkpoint is. */
  const afterRow = (): boolean => {
    if (options.onProgress && dataRows - lastProgressAt >= progressEvery) {
      lastProgressAt = dataRows;
      options.onProgress(progress());
    }
    return options.onCheckpoint !== undefined && dataRows - lastCheckpointAt >= checkpointEvery;
  };
  const writeCheckpoint = async (): Promise<void> => {
    lastCheckpointAt = dataRows;
    await sink.drain();
    await options.onCheckpoint?.(checkpoint(), progress());
  };

  let paused = false;
  try {
    // The parser reports skipped records as it meets them, ahead of the records it has
    // already queued; replaying them by row number keeps the report in file order.
    // (A malformed record never becomes a change: handling one is only reporting it.)
    const handleSkippedBefore = (limit: number): void => {
      while (skippedByParser.length > 0 && (skippedByParser[0]?.row ?? limit) < limit) {
        handle(skippedByParser.shift() as ParsedItem);
      }
    };
    for await (const record of parser as AsyncIterable<NumberedRecord>) {
      handleSkippedBefore(record.row);
      const change = handle(record);
      if (change !== undefined && sink.add(change, record.cells)) await sink.flushBatch();
      if (afterRow()) await writeCheckpoint();
      if (rowsHandledThisRun > 0 && options.shouldPause?.()) {
        paused = true;
        break;
      }
    }
    if (!paused) handleSkippedBefore(Number.POSITIVE_INFINITY);
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    // An unrecoverable parse error (a record over the size limit): keep what was read, and
    // say exactly where reading stopped.
    if (header === undefined) throw new InvalidCsvError(`the header row is not valid CSV: ${error.message}`, `the header row is not valid CSV (${error.code})`);
    reject(lastHandledRow + 1, `malformed CSV, reading stopped here: ${error.message}`, undefined);
  } finally {
    await sink.drain();
  }
  if (paused) {
    parser.destroy();
    return { status: 'paused', checkpoint: checkpoint(), progress: progress() };
  }
  await feeding;
  if (header === undefined) throw new InvalidCsvError('the file is empty');
  if (!resume && dataRows === 0 && report.totalRows === 0) report.note('the file has a header but no data rows');
  options.onProgress?.(progress());
  const built = options.dryRun ? report.build('phonebook import dry run completed, nothing was written', true) : report.build();
  return { status: 'completed', report: built, header: headerCells };
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
