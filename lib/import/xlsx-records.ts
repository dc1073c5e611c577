import { WriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import ExcelJS from 'exceljs';
import { format as formatNumber, isDateFormat } from 'numfmt';
import { neutraliseFormula } from '../csv/formula.js';
import { InvalidCsvError } from '../errors.js';
import type { FileRecord, RecordSource } from './records.js';
import { SheetSpools, within } from './sheet-spools.js';
import { MAX_TEXT_TO_ZIP_RATIO, SpooledStrings, SpoolFailure, TEXT_ALLOWANCE_BYTES, textBudgetOf } from './spooled-strings.js';

/**
 * The records stage for Excel workbooks (.xlsx): the rows of one sheet become numbered
 * records, each cell as the text the workbook shows (its number format applied), so that the
 * header resolution, presets, mapping, row rules and report treat them exactly as CSV rows.
 * Row numbers are the sheet's own (row 1 is the header), so a report names the row Excel shows.
 *
 * Reading is exceljs's streaming WorkbookReader: the zip is read entry by entry as the bytes
 * arrive, and rows are parsed as they stream. A zip's entries can come in any order; Excel and
 * LibreOffice both put the worksheet before xl/sharedStrings.xml or the workbook's rels.
 * The shared strings (the workbook's distinct texts, which cells refer to by index) are not
 * kept in memory: exceljs emits them one by one and they are spooled to a temporary file
 * (SpooledStrings), read back by index as the sheet's cells name them. Without an in-memory
 * table exceljs always spools the worksheet's XML to a temporary file and parses it once the
 * zip is read. Memory stays flat; disk holds the sheet's XML and its texts for the length of
 * the read. A workbook has no byte offset to resume at, so a paused import reads it again from
 * the start and skips the rows done (ImportCheckpoint.format).
 *
 * Why not a reader of our own over S3 range reads (the zip's central directory first, then the
 * entries wanted, in any order, no spooling): the records stage takes a byte stream, as for CSV
 * and vCard, and exceljs is the kept streaming reader. Its one order it cannot handle well is
 * a sheet streamed straight (shared strings and rels before it) with styles.xml after it: the
 * number formats are then unknown and numbers show as General. No writer we know does that
 * (Excel, LibreOffice, exceljs and openpyxl all put the shared strings after the sheets).
 */

export interface XlsxRecordOptions {
  /** The sheet to read, by its name (case-insensitive); the workbook's first sheet when absent. */
  sheet?: string | undefined;
}

/** What the report says about the sheet read: its name and data rows. */
export interface XlsxSummary {
  sheet: string | undefined;
  rows: number;
  /** Column letter → values under a blank header cell (as a merged header cell leaves), not imported. */
  unheaded: Map<string, number>;
}

/** The spreadsheet letters of a 0-based column index: 0 → A, 26 → AA. */
export function columnLetters(index: number): string {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

function notesOf(summary: XlsxSummary): string[] {
  const rows = `${summary.rows.toLocaleString('en-US')} row${summary.rows === 1 ? '' : 's'}`;
  const notes = [`the file was read as an Excel workbook (${summary.sheet === undefined ? '' : `sheet '${summary.sheet}', `}${rows})`];
  if (summary.unheaded.size > 0) {
    // Merged header cells are listed after the rows in a sheet's XML, so a streaming read cannot
    // give the merge's name to the columns it spans: their values are counted here instead.
    const columns = [...summary.unheaded].map(([column, count]) => `${column} (${count})`).join(', ');
    notes.push(`values in columns without a header (a merged or empty header cell) were not imported: ${columns}`);
  }
  return notes;
}

type Cell = ExcelJS.Cell;

/** exceljs reads a number under a date format as a Date; back to a serial of the 1900 date system. */
function serialOf(date: Date): number {
  return 25569 + date.getTime() / 86_400_000;
}

/** Days from 1900-01-00 to 1904-01-01: a 1904 workbook's serial plus this is the 1900 one. */
const DATE_1904_OFFSET = 1462;

/**
 * A number as its cell shows it. exceljs gives the value and the format code but not the
 * displayed text, so numfmt (a formatter of Excel format codes) applies the code: `00000`
 * keeps a postcode's leading zero, `dd.mm.yyyy` writes a date as the sheet shows it. (SSF,
 * the other such formatter, refuses `dd.mm.yyyy`, the common German date format.) numfmt
 * knows the 1900 date system only, so a 1904 workbook's date serials are moved to it.
 * Under General (no format), integers are written whole: General's own rendering turns a
 * 12-digit phone number stored as a number into 4.91602E+11, and those digits would be lost.
 */
function numberText(value: number, numFmt: string | undefined, date1904: boolean): string {
  const format = numFmt === undefined || numFmt === '' || /^general$/i.test(numFmt) ? undefined : numFmt;
  if (format === undefined && Number.isSafeInteger(value)) return String(value);
  try {
    if (format === undefined) return formatNumber('General', value);
    const isDate = isDateFormat(format);
    return formatNumber(format, isDate && date1904 ? value + DATE_1904_OFFSET : value);
  } catch {
    // A format code numfmt cannot read: the value itself rather than a failed row.
    return String(value);
  }
}

/** The workbook's shared strings by index (SpooledStrings). */
export interface SharedStringLookup {
  get(index: number): string | undefined;
}

/**
 * The text a cell shows; '' for an empty one. Formulas show their cached result. A cell that
 * refers to a shared string is resolved through `sharedStrings`.
 * @throws InvalidCsvError when a cell refers to a shared string the workbook does not have.
 */
export function cellText(cell: Pick<Cell, 'value' | 'numFmt'>, date1904: boolean, sharedStrings?: SharedStringLookup): string {
  let value: unknown = cell.value;
  if (value !== null && typeof value === 'object' && 'formula' in value) value = (value as { result?: unknown }).result;
  if (value !== null && typeof value === 'object' && 'sharedFormula' in value) value = (value as { result?: unknown }).result;
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return numberText(value, cell.numFmt, date1904);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  // Already in the 1900 system (exceljs applied the workbook's date system).
  if (value instanceof Date) return numberText(serialOf(value), cell.numFmt || 'yyyy-mm-dd', false);
  if (typeof value === 'object') {
    if ('richText' in value) return ((value as { richText: Array<{ text: string }> }).richText ?? []).map((run) => run.text).join('');
    if ('error' in value) return String((value as { error: unknown }).error);
    // exceljs leaves the index of a shared string when it has no table of them (ours is spooled).
    // An index the workbook has no string for (a damaged file, or the strings missing, as in
    // exceljs issue 683) is never a silent empty cell.
    if ('sharedString' in value) {
      const index = (value as { sharedString: unknown }).sharedString;
      const text = typeof index === 'number' ? sharedStrings?.get(index) : undefined;
      if (text !== undefined) return text;
      throw new InvalidCsvError(
        'the workbook could not be read: a sheet refers to texts the reader does not have; save it again as .xlsx or as CSV',
        'xlsx shared string unresolved',
      );
    }
    if ('text' in value) return String((value as { text: unknown }).text);
    // A formula whose result is a date or rich text.
    if ('result' in value) {
      return cellText({ value: (value as { result: ExcelJS.CellValue }).result, numFmt: cell.numFmt }, date1904, sharedStrings);
    }
  }
  return '';
}

/**
 * The most a workbook read may put on disk, its spooled sheet and texts together: Lambda's
 * /tmp is 512 MB unless configured, and a warm container keeps it between invocations. Over
 * a million contacts of ordinary length; a larger phonebook imports as CSV, which needs no disk.
 */
export const MAX_SPOOLED_WORKBOOK_BYTES = 384 * 1024 * 1024;

/** What a workbook read may have on disk once `compressedBytes` of it are read (the texts' ratio, see spooled-strings.ts). */
export function spoolBudgetOf(compressedBytes: number): number {
  return Math.min(MAX_SPOOLED_WORKBOOK_BYTES, TEXT_ALLOWANCE_BYTES + compressedBytes * MAX_TEXT_TO_ZIP_RATIO);
}

/** A read refused for what it spooled: the message names the bound. */
function overSpoolBudget(onDisk: number, budget: number): InvalidCsvError {
  return new InvalidCsvError(
    `the workbook unpacks to too much to read (over ${MAX_SPOOLED_WORKBOOK_BYTES / 1024 ** 2} MiB, or over ${MAX_TEXT_TO_ZIP_RATIO} times the compressed size read, as in a zip bomb); save the sheet as CSV and upload that`,
    `xlsx spooled ${onDisk} bytes to disk, budget ${budget}`,
  );
}

/** A zip ends with its directory's end record: this signature, then 18 bytes and a comment of at most 65,535. */
const END_OF_DIRECTORY = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
const END_OF_DIRECTORY_REACH = 22 + 0xffff;

/** Whether `tail`, the last bytes of a file, holds a zip's end-of-directory record. */
function endsAsZip(tail: readonly Uint8Array[]): boolean {
  const bytes = Buffer.concat(tail);
  return bytes.subarray(Math.max(0, bytes.length - END_OF_DIRECTORY_REACH)).includes(END_OF_DIRECTORY);
}

/** A workbook whose bytes stop before the zip's end (an upload cut short). */
function cutShort(bytes: number): InvalidCsvError {
  return new InvalidCsvError(
    'the workbook is incomplete: the file ends before the end of its zip archive (cut short?); upload the whole file again, or save it as CSV',
    `xlsx without an end-of-directory record after ${bytes} bytes`,
  );
}

async function* countBytes(
  source: AsyncIterable<Uint8Array>,
  counter: { bytes: number; closed: boolean; sourceEnded: boolean },
  /** False stops the input there (the source not read to its end). */
  goOn: () => boolean,
  /** Called at the source's end when it is not a whole zip. */
  onCutShort: () => void,
): AsyncIterable<Uint8Array> {
  // The last chunks, enough of them to hold the end record (checked at the end).
  const tail: Uint8Array[] = [];
  let tailBytes = 0;
  for await (const chunk of source) {
    if (counter.closed) return;
    counter.bytes += chunk.byteLength;
    tail.push(chunk);
    tailBytes += chunk.byteLength;
    while (tail.length > 1 && tailBytes - (tail[0]?.byteLength ?? 0) >= END_OF_DIRECTORY_REACH) tailBytes -= tail.shift()?.byteLength ?? 0;
    if (!goOn()) return;
    yield chunk;
  }
  counter.sourceEnded = true;
  // exceljs's unzipper waits for ever on a zip cut inside an entry (seen: a sync import of a
  // workbook cut at half its size never answered); without the end record it is not read on.
  if (!endsAsZip(tail)) onCutShort();
}

type SpoolStream = { destroy?: () => void; on?: (event: 'error', listener: (error: unknown) => void) => unknown };

/** Closes the file stream of a worksheet exceljs spooled to a temporary file (unread or read in part). */
function closeStreamOf(worksheet: unknown): void {
  const stream = (worksheet as { iterator?: SpoolStream } | undefined)?.iterator;
  if (!stream) return;
  // exceljs may delete the temporary file before this stream has opened it (the next sheet
  // comes): the stream then fails with ENOENT, an error of a sheet no one reads, and one no
  // listener hears crashes the process (seen under load on the sync route).
  if (typeof stream.on === 'function') stream.on('error', () => {});
  if (typeof stream.destroy === 'function') stream.destroy();
}

interface WorkbookModel {
  sheets?: Array<{ name?: string }>;
}

function sheetNamesOf(reader: ExcelJS.stream.xlsx.WorkbookReader): string[] {
  const model = (reader as unknown as { model?: WorkbookModel }).model;
  return (model?.sheets ?? []).map((sheet) => sheet.name ?? '').filter((name) => name !== '');
}

function isDate1904(reader: ExcelJS.stream.xlsx.WorkbookReader): boolean {
  const properties = (reader as unknown as { properties?: { model?: { date1904?: boolean } } }).properties;
  return properties?.model?.date1904 === true;
}

const quoted = (names: readonly string[]) => names.map((name) => `'${name}'`).join(', ');

/** exceljs's errors on a file that is not a workbook (a zip of something else, a cut file). */
function notAWorkbook(error: unknown): InvalidCsvError {
  const reason = error instanceof Error ? error.message : String(error);
  return new InvalidCsvError(
    'the file is a zip archive but not a readable Excel workbook (.xlsx); save it as .xlsx or CSV and upload that',
    `not a readable xlsx workbook (${reason.slice(0, 120)})`,
  );
}

/** A shared string's plain text: rich text (runs of differing fonts) flattened; '' for an empty one. */
function plainTextOf(shared: unknown): string {
  if (typeof shared === 'string') return shared;
  if (shared !== null && typeof shared === 'object' && 'richText' in shared) {
    const runs = (shared as { richText?: Array<{ text?: unknown }> }).richText ?? [];
    return runs.map((run) => (typeof run.text === 'string' ? run.text : '')).join('');
  }
  return '';
}

type WorksheetReader = ExcelJS.stream.xlsx.WorksheetReader;

/** What WorkbookReader.parse() yields. */
type ParseItem = { eventType?: unknown; value?: unknown; index?: unknown; text?: unknown };

/**
 * A shared string among parse()'s items, or undefined. exceljs 4.4.0 yields each one as a bare
 * `{index, text}`, without the `eventType` its other items have (its own `read()` looks for
 * `eventType: 'shared-strings'` and so never sees them); a version that mends this would yield
 * `{eventType: 'shared-strings', value: {index, text}}`. Both shapes are taken, so that an
 * upgrade of exceljs cannot silently leave every text cell unresolved (a 400, by cellText).
 */
function sharedStringOf(item: ParseItem): { index: number; text: unknown } | undefined {
  const shared =
    item.eventType === 'shared-strings' ? (item.value as ParseItem | undefined) : item.eventType === undefined ? item : undefined;
  if (shared === undefined || typeof shared.index !== 'number') return undefined;
  return { index: shared.index, text: shared.text };
}

type TextChunks = AsyncIterable<Buffer | string>;

/** The chunks as text, a UTF-8 sequence cut between two chunks decoded whole. */
async function* utf8Of(chunks: TextChunks): AsyncIterable<string> {
  const decoder = new StringDecoder('utf8');
  for await (const chunk of chunks) yield typeof chunk === 'string' ? chunk : decoder.write(chunk);
  const rest = decoder.end();
  if (rest !== '') yield rest;
}

/**
 * exceljs 4.4.0's XML parsing decodes each chunk of a zip entry or spooled sheet on its own
 * (utils/parse-sax.js), so a character whose UTF-8 bytes fall on a chunk boundary (16 KiB of
 * inflated XML, 64 KiB of a spooled file) becomes two U+FFFD: an umlaut, a Cyrillic or CJK
 * letter lost at every boundary that cuts one, silently (exceljs issues 2063, 2084, 2316;
 * the fixes proposed were never merged).
 * It passes text chunks through, so this reader's entries and sheet streams are given an
 * encoding before exceljs reads them: its entry parsers are wrapped on this one instance (no
 * global patch), each entry set to UTF-8, and a spooled sheet's file stream too.
 */
function decodeUtf8AcrossChunks(reader: ExcelJS.stream.xlsx.WorkbookReader): void {
  const methods = reader as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of ['_parseRels', '_parseWorkbook', '_parseSharedStrings', '_parseStyles']) {
    const parse = methods[name];
    if (typeof parse !== 'function') throw new Error(`exceljs WorkbookReader has no ${name}: see decodeUtf8AcrossChunks`);
    methods[name] = function (this: unknown, entry: unknown, ...rest: unknown[]) {
      (entry as { setEncoding?: (encoding: string) => void }).setEncoding?.('utf8');
      return parse.call(this, entry, ...rest);
    };
  }
  const parseWorksheet = methods._parseWorksheet;
  if (typeof parseWorksheet !== 'function') throw new Error('exceljs WorkbookReader has no _parseWorksheet: see decodeUtf8AcrossChunks');
  methods._parseWorksheet = function (this: unknown, iterator: unknown, ...rest: unknown[]) {
    // A spooled sheet's file stream stays a stream (closeStreamOf destroys it); a sheet read
    // straight from the zip comes as an async iterable of Buffers.
    const stream = iterator as { setEncoding?: (encoding: string) => void };
    if (typeof stream.setEncoding === 'function') {
      stream.setEncoding('utf8');
      return parseWorksheet.call(this, iterator, ...rest);
    }
    return parseWorksheet.call(this, utf8Of(iterator as TextChunks), ...rest);
  };
}

type Pipe = <T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }) => T;

/**
 * Watches what exceljs's unzipper does with this read's input, on these streams only (no
 * global patch), for two faults exceljs does not handle:
 * - It listens for the unzipper's errors only between entries: a broken deflate stream inside
 *   an entry (a corrupted file) was reported while exceljs waited for that entry's end, which
 *   never came, and the read hung for ever. The unzipper's errors go to `onError`.
 * - It spools a sheet's XML to /tmp, unbounded: a zip bomb (a few KB of deflated XML that
 *   inflate to gigabytes) filled the disk. The unzipper's entries it pipes into a file are
 *   counted write by write; when `overBudget` says so, the write is dropped and refused
 *   (backpressure: the inflating stops, as the unzipper waits for a drain that never comes)
 *   and the file's stream destroyed, its descriptor closed. SheetSpools removes the file.
 */
function watchUnzipping(
  input: Readable,
  spoolFiles: SheetSpools,
  hooks: { onError: (error: unknown) => void; overBudget: (spooledBytes: number) => boolean },
): { stop: () => void } {
  let unzipping: { destroy?: () => void } | undefined;
  let spooled = 0;
  const spools: NodeJS.WritableStream[] = [];
  const pipeInput = input.pipe.bind(input) as Pipe;
  input.pipe = ((unzipper: NodeJS.WritableStream & NodeJS.EventEmitter, options?: { end?: boolean }) => {
    unzipping = unzipper as { destroy?: () => void };
    unzipper.on('error', hooks.onError);
    const watchEntry = (entry: Readable) => {
      const pipeEntry = entry.pipe.bind(entry) as Pipe;
      entry.pipe = ((file: NodeJS.WritableStream & { destroy?: () => void }, entryOptions?: { end?: boolean }) => {
        // A sheet spooled to disk; entries drained unread go to a stream of the unzipper's own.
        if (!(file instanceof WriteStream)) return pipeEntry(file, entryOptions);
        if (spoolFiles.ended) {
          // A sheet spooled after the read was given up: closed at once, then removed (once
          // closed: the stream opens its file asynchronously and would create it again).
          file.once('close', () => spoolFiles.removeAll());
          file.destroy();
          return file as never;
        }
        spools.push(file);
        const write = file.write.bind(file) as (chunk: unknown, ...rest: unknown[]) => boolean;
        file.write = ((chunk: { length?: number }, ...rest: unknown[]) => {
          spooled += chunk.length ?? 0;
          if (hooks.overBudget(spooled)) {
            for (const spool of spools) (spool as { destroy?: () => void }).destroy?.();
            return false;
          }
          return write(chunk, ...rest);
        }) as typeof file.write;
        return pipeEntry(file, entryOptions);
      }) as Pipe as typeof entry.pipe;
    };
    // exceljs has the unzipper push its entries as the stream's objects (forceStream), not
    // emit them: each is seen as it is pushed, before exceljs gets it.
    const zip = unzipper as unknown as { push: (chunk: unknown, encoding?: BufferEncoding) => boolean };
    const push = zip.push.bind(zip);
    zip.push = (chunk, encoding) => {
      if (chunk instanceof Readable) watchEntry(chunk);
      return push(chunk, encoding);
    };
    return pipeInput(unzipper, options);
  }) as Pipe as typeof input.pipe;
  return { stop: () => unzipping?.destroy?.() };
}

/** Opens the records of an .xlsx byte stream; see RecordSource and the module comment. */
export async function openXlsxRecords(source: AsyncIterable<Uint8Array>, options: XlsxRecordOptions = {}): Promise<RecordSource> {
  const counter = { bytes: 0, closed: false, sourceEnded: false };
  const sheetSpools = new SheetSpools();
  /** Set when the read is refused for what it spooled: the input stops there. */
  let stopped = false;
  let strings: SpooledStrings | undefined;
  /**
   * Why the read was given up (a damaged zip, too much spooled): the step of exceljs being
   * waited for is rejected with it, and every later one. Not a promise raced against each
   * step: each race would leave a reaction on it, holding that step's item (a shared string)
   * until the read ends — the whole table in memory again (seen: 1.9 GB at 200,000 rows).
   */
  let refusal: InvalidCsvError | undefined;
  let rejectWaiting: ((error: InvalidCsvError) => void) | undefined;
  const refuse = (error: InvalidCsvError) => {
    refusal ??= error;
    rejectWaiting?.(refusal);
  };
  /** The next item of exceljs's parse, in the read's context (sheet-spools.ts records the files it spools to). */
  const nextItem = (): Promise<IteratorResult<ParseItem>> => {
    if (refusal) return Promise.reject(refusal);
    return new Promise((resolve, reject) => {
      rejectWaiting = reject;
      within(sheetSpools, () => items.next()).then(resolve, reject);
    });
  };
  const input = Readable.from(
    countBytes(
      source,
      counter,
      () => !stopped,
      () => refuse(cutShort(counter.bytes)),
    ),
    { objectMode: false },
  );
  const unzipping = watchUnzipping(input, sheetSpools, {
    onError: (error) => refuse(notAWorkbook(error)),
    overBudget: (spooled) => {
      const onDisk = spooled + (strings?.bytes ?? 0);
      const budget = spoolBudgetOf(counter.bytes);
      if (onDisk <= budget) return false;
      stopped = true;
      refuse(overSpoolBudget(onDisk, budget));
      return true;
    },
  });
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    worksheets: 'emit',
    // Emitted one by one into SpooledStrings, never held as a table (see the module comment).
    sharedStrings: 'emit',
    // The styles carry the number formats that decide a cell's displayed text.
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  decodeUtf8AcrossChunks(reader);
  const summary: XlsxSummary = { sheet: undefined, rows: 0, unheaded: new Map() };
  const wanted = options.sheet?.trim().toLowerCase();
  let settle = () => {};
  const fed = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const closeStrings = () => {
    strings?.close();
    strings = undefined;
  };

  // parse(), not the reader's async iterator: that one drops every item but the worksheets.
  const items = (reader as unknown as { parse(): AsyncIterator<ParseItem> }).parse();

  /**
   * The next worksheet, or undefined at the workbook's end; the shared strings met on the way
   * go to `spool` (stepping over the rest of a workbook, they are dropped). exceljs yields the
   * strings in their order; an index out of it would make every later cell the wrong text.
   */
  async function nextWorksheet(spool?: SpooledStrings): Promise<WorksheetReader | undefined> {
    for (;;) {
      // Abandoned when the read is refused: exceljs may wait for ever (see `refusal`).
      const next = await nextItem();
      // Stopped meanwhile (close()): the store is closed, the rest not wanted.
      if (next.done || counter.closed) return undefined;
      const item = next.value;
      if (item.eventType === 'worksheet') return item.value as WorksheetReader;
      const shared = sharedStringOf(item);
      if (shared === undefined || spool === undefined) continue;
      if (shared.index !== spool.size) throw new Error(`shared string ${shared.index} came as number ${spool.size}`);
      spool.add(plainTextOf(shared.text));
    }
  }

  /**
   * Lets exceljs finish once the rows wanted are read (or reading stopped). A worksheet it
   * spooled to a temporary file is deleted only when its iteration moves past it, and a warm
   * Lambda keeps /tmp between invocations, so a paused or finished import must not leave one
   * behind: when the zip has been read to its end (the spooled case), the remaining sheets are
   * stepped over, each one's file stream closed unread. While the zip is still being read (a
   * read stopped or refused in the shared strings), the source is simply stopped. (A read that
   * fails inside exceljs, a corrupt zip or a storage error, or one stopped before the zip's end,
   * leaves a sheet already spooled: SheetSpools knows its name and removes it after this.)
   */
  async function finishReading(current: WorksheetReader | undefined): Promise<void> {
    closeStreamOf(current);
    if (!counter.sourceEnded) {
      input.destroy();
      return;
    }
    try {
      for (;;) {
        const next = await nextWorksheet();
        if (next === undefined) return;
        closeStreamOf(next);
      }
    } catch {
      // The workbook's rest is of no use; its errors change nothing read.
    }
  }

  async function* records(): AsyncIterable<FileRecord> {
    let found = false;
    let emittedAny = false;
    let current: WorksheetReader | undefined;
    try {
      if (counter.closed) return;
      // Removed in the finally below, or by close() when the records are never read to their end.
      const spool = new SpooledStrings({ budgetBytes: () => textBudgetOf(counter.bytes) });
      strings = spool;
      for (;;) {
        const worksheet = await nextWorksheet(spool);
        if (worksheet === undefined) break;
        current = worksheet;
        if (counter.closed) return;
        emittedAny = true;
        const names = sheetNamesOf(reader);
        const name = (worksheet as unknown as { name?: string }).name;
        // The first sheet is the first of the workbook's list (the tab order), not of the zip.
        const isWanted =
          wanted === undefined ? name === undefined || names.length === 0 || name === names[0] : name?.toLowerCase() === wanted;
        if (!isWanted) {
          closeStreamOf(worksheet);
          continue;
        }
        found = true;
        summary.sheet = name;
        const date1904 = isDate1904(reader);
        let width = 0;
        let blankHeaderColumns: number[] = [];
        for await (const row of worksheet as unknown as AsyncIterable<ExcelJS.Row>) {
          if (counter.closed) return;
          const cells: string[] = [];
          row.eachCell({ includeEmpty: false }, (cell, column) => {
            // As an export would write them: the CSV reading of cells undoes the formula guard.
            cells[column - 1] = neutraliseFormula(cellText(cell, date1904, spool).replace(/\r\n?/g, '\n'));
          });
          // A sheet leaves out empty cells: the gaps, and the rest up to the header's width, are ''.
          for (let i = 0; i < Math.max(cells.length, width); i++) cells[i] ??= '';
          if (width === 0) {
            width = cells.length;
            blankHeaderColumns = cells.flatMap((cell, index) => (cell.trim() === '' ? [index] : []));
          } else if (cells.some((cell) => cell.trim() !== '')) {
            summary.rows += 1;
            for (const index of blankHeaderColumns) {
              if ((cells[index] ?? '').trim() === '') continue;
              const column = columnLetters(index);
              summary.unheaded.set(column, (summary.unheaded.get(column) ?? 0) + 1);
            }
          }
          yield { row: row.number, cells, endOffset: counter.bytes };
        }
        // The sheet is read: the rest of the workbook is not needed.
        break;
      }
    } catch (error) {
      // Ours (a full or unwritable /tmp) is a 5xx, not a fault of the file.
      if (error instanceof InvalidCsvError || error instanceof SpoolFailure) throw error;
      throw notAWorkbook(error);
    } finally {
      closeStrings();
      await finishReading(current);
      // A sheet exceljs spooled and had not removed (a read that failed or was stopped), and
      // no more unzipping: the read is over, whether exceljs had finished or not.
      sheetSpools.removeAll();
      unzipping.stop();
      settle();
    }
    if (found || counter.closed) return;
    if (!emittedAny) throw new InvalidCsvError('the workbook has no worksheet to read; save the contacts sheet as .xlsx or CSV');
    const names = sheetNamesOf(reader);
    throw new InvalidCsvError(
      `the workbook has no sheet named '${options.sheet}'; its sheets are ${quoted(names)}`,
      `the workbook has no sheet of the asked name; it has ${names.length} sheets`,
    );
  }

  return {
    format: 'xlsx',
    headerRow: 1,
    // A workbook is zipped XML, always Unicode: no code page to detect or to report.
    encoding: 'utf-8',
    encodingDecision: { how: 'utf-8' },
    delimiter: ',',
    bytesFetched: () => counter.bytes,
    records: records(),
    close: () => {
      // The records' own end (finishReading) cleans up; this stops a read still going and
      // removes the spooled strings of records never read to their end.
      counter.closed = true;
      closeStrings();
      if (!counter.sourceEnded) input.destroy();
      sheetSpools.removeAll();
      unzipping.stop();
      settle();
    },
    fed,
    formatNotes: () => notesOf(summary),
  };
}

/**
 * The data rows of a workbook's sheet (non-blank rows under the header), for the synchronous
 * route's row limit: the sheet is read (not written anywhere) until more than `stopAbove` are counted.
 */
export async function countXlsxRows(source: AsyncIterable<Uint8Array>, options: XlsxRecordOptions, stopAbove: number): Promise<number> {
  const records = await openXlsxRecords(source, options);
  let rows = 0;
  let header = true;
  try {
    for await (const record of records.records) {
      if (!('cells' in record)) continue;
      if (header) {
        header = false;
        continue;
      }
      if (record.cells.some((cell) => cell.trim() !== '')) rows += 1;
      if (rows > stopAbove) break;
    }
  } finally {
    records.close();
  }
  return rows;
}
