import type { CsvError } from 'csv-parse';
import type { EncodingDecision, SourceEncoding } from '../csv/decode.js';
import type { Delimiter } from '../csv/dialect.js';
import { type ColumnMapping, type HeaderMapping, mapHeader, readRecord, widthProblemOf } from '../csv/header.js';
import { InvalidCsvError } from '../errors.js';
import type { ChangeRecorder, ContactOrigin, ContactStore } from '../storage/ports.js';
import type { ContactChange } from './apply-changes.js';
import type { EmptyCells, ImportMode } from './import-options.js';
import { BatchWriter, type RejectedRowSink } from './batch-writer.js';
import { openFileRecords } from './file-records.js';
import type { FileRecord, NumberedRecord, RecordSource } from './records.js';
import { DEFAULT_MAX_ERROR_MESSAGES, type ImportReport, ReportBuilder, type ReportState } from './report.js';
import { CSV_DUPLICATE, RowRules } from './row-rules.js';
import { type VcardCheckpoint, VcardTally } from './vcard-records.js';

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
  /** Absent for CSV files (and in checkpoints written before vCard was read). */
  format?: 'vcard' | 'xlsx';
  /** vCard files: the line the rest starts on and what the cards so far held. */
  vcard?: VcardCheckpoint;
}

/**
 * Where the source of a resumed import must start: `byteOffset` for a UTF-8 text file, 0 for
 * a file read again from its start (other encodings; workbooks, which have no row offsets).
 */
export function resumeByteOffsetOf(checkpoint: ImportCheckpoint): number {
  return checkpoint.encoding === 'utf-8' && checkpoint.format !== 'xlsx' ? checkpoint.byteOffset : 0;
}

export interface ImportOptions {
  /** Whose phonebook the contacts go into. */
  owner: string;
  writer: ContactStore;
  /** Forced delimiter; detected from the header row when absent. */
  delimiter?: Delimiter;
  /** Forced encoding (one of SOURCE_ENCODINGS); detected when absent. A resumed import keeps its checkpoint's. */
  encoding?: SourceEncoding;
  /** Source header → column, over the presets and our own column names. */
  mapping?: ColumnMapping;
  /** Workbooks: the sheet to read, by name; the first sheet when absent. */
  sheet?: string;
  /** Decide and report every row's outcome, write nothing. */
  dryRun?: boolean;
  /** `keep`: a blank cell leaves the stored value; `unset` (default): it clears it. */
  emptyCells?: EmptyCells;
  /** `create_only` leaves stored contacts alone, `update_only` creates none; `upsert` (default) does both. */
  mode?: ImportMode;
  /** Batches in flight to storage at once. */
  writeConcurrency?: number;
  maxErrorMessages?: number;
  /** Called every `progressEveryRows` rows and once at the end. */
  onProgress?: (progress: ImportProgress) => void;
  progressEveryRows?: number;
  /** Stamped on every written contact (which import, which scheduled source). */
  origin?: ContactOrigin;
  /** Every row that is not imported, with the reason and its cells when there are any. */
  onRejectedRow?: RejectedRowSink;
  /** Where what the import changes is recorded, before each write, for its undo. */
  changeLog?: ChangeRecorder;
  /** Rewrite unchanged contacts to carry `origin` (see ApplyOptions). */
  stampUnchanged?: boolean;
}

export interface ResumableImportOptions extends ImportOptions {
  /** Continue a paused import; the source must then start at `resumeFrom.byteOffset` (UTF-8) or at 0. */
  resumeFrom?: ImportCheckpoint;
  /** Asked after each row with the rows this run has handled; true pauses the import at that row boundary. */
  shouldPause?: (rowsHandledThisRun: number) => boolean;
  /**
   * Called with a consistent checkpoint every `checkpointEveryRows` rows (writes drained), and
   * the contacts first met in the stretch of rows since the previous checkpoint (`seenBefore`
   * of the next run: keep them beside the checkpoint).
   */
  onCheckpoint?: (checkpoint: ImportCheckpoint, progress: ImportProgress, seen: SeenContacts) => Promise<void>;
  /**
   * What earlier runs of this import passed to `onCheckpoint` (and a pause returned) as `seen`:
   * a row repeating a contact met before the pause is then still a duplicate. Entries of rows
   * at or after `resumeFrom.nextRow` (left by a run that died before its checkpoint) are ignored.
   */
  seenBefore?: ReadonlyArray<SeenContacts>;
  checkpointEveryRows?: number;
}

/**
 * The contacts first met in one stretch of rows (from `fromRow` up to the checkpoint's
 * `nextRow`), 12 bytes each (RowRules.seenBetween): what a continuation needs to recognise
 * in-file repeats across a pause.
 */
export interface SeenContacts {
  fromRow: number;
  entries: Uint32Array;
}

export type ImportOutcome =
  | { status: 'completed'; report: ImportReport; header: string[] }
  | { status: 'paused'; checkpoint: ImportCheckpoint; progress: ImportProgress; seen: SeenContacts };

/** What the report says about a file's header, before its rows: the preset, and the columns left out. */
export function headerNotesOf(header: HeaderMapping): string[] {
  const notes: string[] = [];
  if (header.preset !== undefined) notes.push(`header recognised: ${header.preset} export`);
  if (header.unknown.length > 0) notes.push(`unknown columns ignored: ${header.unknown.join(', ')}`);
  if (header.repeated.length > 0) notes.push(`columns named more than once, first one used: ${header.repeated.join(', ')}`);
  return notes;
}

export function isBlank(cells: readonly string[]): boolean {
  for (const cell of cells) if (cell.trim() !== '') return false;
  return true;
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
 * Streams a CSV file into a phonebook, in stages: records (decode, sniff, number, parse:
 * records.ts) → the row rules (row-rules.ts) → the writer (batches and storage outcomes:
 * batch-writer.ts) → job control here (progress, checkpoints, pauses). Holds one batch per
 * in-flight write and the ids seen so far, never the file.
 *
 * Row numbers are spreadsheet rows: the header is row 1 and a quoted field spanning lines is
 * still one row. Blank rows are neither contacts nor counted. Every other row ends up in
 * exactly one of imported, failed or skipped, so total = imported + failed + skipped.
 *
 * With `shouldPause` it can stop at a row boundary and return a checkpoint from which
 * `resumeFrom` continues; rows are then neither lost nor counted twice. Duplicates within
 * the file are recognised across pauses too when the caller keeps what `onCheckpoint` and a
 * pause give as `seen` and passes it back as `seenBefore`.
 *
 * Throws InvalidCsvError when nothing can be imported at all (empty, binary, no `name`).
 */
export async function runImport(source: AsyncIterable<Uint8Array>, options: ResumableImportOptions): Promise<ImportOutcome> {
  const resume = options.resumeFrom;
  const maxMessages = options.maxErrorMessages ?? DEFAULT_MAX_ERROR_MESSAGES;
  const report = resume ? ReportBuilder.restore(resume.report, maxMessages) : new ReportBuilder(maxMessages);
  const records = await openFileRecords(source, {
    ...(options.delimiter ? { delimiter: options.delimiter } : {}),
    ...(options.encoding ? { encoding: options.encoding } : {}),
    ...(options.sheet ? { sheet: options.sheet } : {}),
    ...(resume ? { resume: { ...resume, ...(resume.vcard ? { nextLine: resume.vcard.nextLine } : {}) } } : {}),
  });
  // A resumed run finds the note in the checkpoint's messages, written by the first run.
  const encodingNote = encodingNoteOf(records.encoding, records.encodingDecision);
  if (!resume && encodingNote !== undefined) report.note(encodingNote);
  // An import into an empty phonebook has nothing to read back: every identity it meets is
  // new, and the file's own repeats are rejected by the row rules. That halves the requests
  // of the common first bulk load. Asked again by every run of a job: once an earlier run has
  // written, a resumed one reads, so its rows can still update what that run created.
  const nothingStored = !(await options.writer.hasContacts(options.owner));
  const writer = new BatchWriter(options.writer, options.owner, report, {
    concurrency: Math.max(1, options.writeConcurrency ?? 4),
    apply: {
      dryRun: options.dryRun ?? false,
      origin: options.origin,
      nothingStored,
      mode: options.mode,
      changeLog: options.changeLog,
      ...(options.stampUnchanged !== undefined ? { stampUnchanged: options.stampUnchanged } : {}),
    },
    onRejectedRow: options.onRejectedRow,
  });
  return new ImportRun(options, report, records, writer).run();
}

/** Below this, the report's line on the encoding says how to name it instead. */
const UNSURE = 0.5;

/** The report's line on a file that is not UTF-8: which encoding was used, and how it was chosen. */
export function encodingNoteOf(encoding: SourceEncoding, decision: EncodingDecision): string | undefined {
  if (encoding === 'utf-8') return undefined;
  const read = `the file is not UTF-8; it was read as ${encoding}`;
  switch (decision.how) {
    case 'detected': {
      const sure = `${Math.min(100, Math.max(1, Math.round(decision.confidence * 100)))}% sure`;
      // A short file in a legacy code page can read as words in several: the user knows which it is.
      if (decision.confidence < UNSURE)
        return `${read} (detected, ${sure}; if its text looks wrong, name its encoding in the 'encoding' option)`;
      return `${read} (detected, ${sure})`;
    }
    case 'asked':
      return `${read} (as asked)`;
    case 'byte-order-mark':
      return `${read} (its byte order mark says so)`;
    default:
      return `${read} (as before)`;
  }
}

/** One run of an import: decides each record and controls progress, checkpoints and pauses. */
class ImportRun {
  private header: HeaderMapping | undefined;
  private headerCells: string[];
  private readonly rules: RowRules;
  /** Rows below this were handled by an earlier run of the same import. */
  private readonly firstRowToHandle: number;
  private readonly startOffset: number;
  private dataRows = 0;
  // The parser reads ahead of what is handled; progress and checkpoints speak of handled rows.
  private lastHandledRow: number;
  private lastHandledOffset: number;
  // A run pauses only after handling at least one row, so even a spent time budget progresses.
  private rowsHandledThisRun = 0;
  // Counted over every row, whatever became of it: a rejected row must not skip a checkpoint.
  private lastProgressAt = 0;
  private lastCheckpointAt = 0;
  /** vCard files: the versions and unmapped values of the cards handled. */
  private readonly vcard: VcardTally | undefined;
  /** The first row of the stretch the next checkpoint closes (its `seen` starts there). */
  private stretchStart: number;

  constructor(
    private readonly options: ResumableImportOptions,
    private readonly report: ReportBuilder,
    private readonly records: RecordSource,
    private readonly writer: BatchWriter,
  ) {
    const resume = options.resumeFrom;
    this.header = resume ? mapHeader(resume.header, this.mappingOf(records)) : undefined;
    this.headerCells = resume?.header ?? [];
    this.rules = new RowRules(options.owner, CSV_DUPLICATE, options.emptyCells);
    if (resume) for (const seen of options.seenBefore ?? []) this.rules.rememberSeen(seen.entries, resume.nextRow);
    this.firstRowToHandle = resume?.nextRow ?? 0;
    this.stretchStart = resume?.nextRow ?? records.headerRow + 1;
    this.startOffset = resume ? resumeByteOffsetOf(resume) : 0;
    this.lastHandledRow = resume ? resume.nextRow - 1 : records.headerRow;
    this.lastHandledOffset = this.startOffset;
    this.vcard = records.format === 'vcard' ? VcardTally.start(resume?.vcard) : undefined;
  }

  async run(): Promise<ImportOutcome> {
    let paused = false;
    try {
      for await (const record of this.records.records) {
        if ('stopped' in record) {
          this.stopReading(record.stopped);
          break;
        }
        const change = this.handle(record);
        // A malformed record is only reported; progress and pauses follow the records read.
        if (!('cells' in record)) continue;
        if (change !== undefined && this.writer.add(change, record.cells, record.line)) await this.writer.flushBatch();
        if (this.afterRow()) await this.writeCheckpoint();
        if (this.rowsHandledThisRun > 0 && this.options.shouldPause?.(this.rowsHandledThisRun)) {
          paused = true;
          break;
        }
      }
    } finally {
      await this.writer.drain();
    }
    if (paused) {
      this.records.close();
      const checkpoint = this.checkpoint();
      return { status: 'paused', checkpoint, progress: this.progress(), seen: this.seenInStretch(checkpoint) };
    }
    return this.complete();
  }

  private async complete(): Promise<ImportOutcome> {
    await this.records.fed;
    if (this.header === undefined) throw new InvalidCsvError('the file is empty');
    if (this.vcard) this.report.prependNotes(this.vcard.notes());
    if (this.records.formatNotes) this.report.prependNotes(this.records.formatNotes());
    this.options.onProgress?.(this.progress());
    const report = this.options.dryRun
      ? this.report.build('phonebook import dry run completed, nothing was written', true)
      : this.report.build();
    return { status: 'completed', report, header: this.headerCells };
  }

  /** An unrecoverable parse error (a record over the size limit): keep what was read, and say where reading stopped. */
  private stopReading(error: CsvError): void {
    if (this.header === undefined) {
      throw new InvalidCsvError(`the header row is not valid CSV: ${error.message}`, `the header row is not valid CSV (${error.code})`);
    }
    this.reject(this.lastHandledRow + 1, `malformed CSV, reading stopped here: ${error.message}`, undefined);
  }

  private progress(): ImportProgress {
    return {
      rowsRead: Math.max(0, this.lastHandledRow - this.records.headerRow),
      bytesRead: this.records.encoding === 'utf-8' ? this.lastHandledOffset : this.records.bytesFetched(),
      ...this.report.counts,
    };
  }

  private checkpoint(): ImportCheckpoint {
    return {
      nextRow: this.lastHandledRow + 1,
      byteOffset: this.lastHandledOffset,
      encoding: this.records.encoding,
      header: this.headerCells,
      delimiter: this.records.delimiter,
      report: this.report.snapshot(),
      ...(this.vcard ? { format: 'vcard' as const, vcard: this.vcard.snapshot() } : {}),
      ...(this.records.format === 'xlsx' ? { format: 'xlsx' as const } : {}),
    };
  }

  private reject(row: number, reason: string, cells: readonly string[] | undefined, line?: number): void {
    this.report.addSkipped(row, reason, line);
    this.options.onRejectedRow?.(row, reason, cells);
  }

  /**
   * Decides one record: rejected and reported, or a change to write. Synchronous, so that only
   * a full batch costs the row loop an await.
   */
  private handle(record: Exclude<FileRecord, { stopped: CsvError }>): ContactChange | undefined {
    if (record.row < this.firstRowToHandle) {
      // Re-reading a file that cannot be resumed by offset: the header is kept, rows skipped.
      if (record.row === this.records.headerRow && 'cells' in record) this.headerCells = record.cells;
      return undefined;
    }
    this.lastHandledRow = record.row;
    if (record.row > this.records.headerRow) this.rowsHandledThisRun++;
    if (record.endOffset !== undefined) this.lastHandledOffset = this.startOffset + record.endOffset;
    this.vcard?.count(record);
    if ('malformed' in record) {
      this.reject(
        record.row,
        `malformed ${this.records.format === 'vcard' ? 'vCard' : 'CSV'}: ${record.malformed}`,
        undefined,
        record.line,
      );
      return undefined;
    }
    if (this.header === undefined) {
      this.acceptHeader(record.cells);
      return undefined;
    }
    // A blank CSV line (or sheet row) is not a row; a card is a row even when nothing in it has a column.
    if (this.records.format !== 'vcard' && isBlank(record.cells)) return undefined;
    this.dataRows++;
    return this.decideDataRow(this.header, record);
  }

  /** A caller's mapping names a CSV file's (or a sheet's) headers; a vCard file's header is our own columns. */
  private mappingOf(records: RecordSource): ColumnMapping | undefined {
    return records.format !== 'vcard' ? this.options.mapping : undefined;
  }

  private acceptHeader(cells: string[]): void {
    if (isBlank(cells)) throw new InvalidCsvError('the first row must be the header, but it is blank');
    const header = mapHeader(cells, this.mappingOf(this.records));
    this.header = header;
    this.headerCells = cells;
    for (const note of headerNotesOf(header)) this.report.note(note);
  }

  private decideDataRow(header: HeaderMapping, record: NumberedRecord): ContactChange | undefined {
    const width = widthProblemOf(header, record.cells);
    if (width !== undefined) {
      this.reject(record.row, width, record.cells);
      return undefined;
    }
    const decision = this.rules.decide(record.row, readRecord(header, record.cells));
    if (decision.ok) return decision.change;
    this.reject(record.row, decision.rejection.reason, record.cells, record.line);
    return undefined;
  }

  /** Reports progress when it is due; says whether a checkpoint is. */
  private afterRow(): boolean {
    const { onProgress, onCheckpoint } = this.options;
    if (onProgress && this.dataRows - this.lastProgressAt >= (this.options.progressEveryRows ?? 10_000)) {
      this.lastProgressAt = this.dataRows;
      onProgress(this.progress());
    }
    return onCheckpoint !== undefined && this.dataRows - this.lastCheckpointAt >= (this.options.checkpointEveryRows ?? 10_000);
  }

  private async writeCheckpoint(): Promise<void> {
    this.lastCheckpointAt = this.dataRows;
    await this.writer.drain();
    const checkpoint = this.checkpoint();
    await this.options.onCheckpoint?.(checkpoint, this.progress(), this.seenInStretch(checkpoint));
    this.stretchStart = checkpoint.nextRow;
  }

  private seenInStretch(checkpoint: ImportCheckpoint): SeenContacts {
    return { fromRow: this.stretchStart, entries: this.rules.seenBetween(this.stretchStart, checkpoint.nextRow - 1) };
  }
}
