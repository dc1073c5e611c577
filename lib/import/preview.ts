import { byteOrderMarkOf, utf16WithoutBomOf } from '../csv/decode.js';
import { type Delimiter, parseDelimiterField } from '../csv/dialect.js';
import { restoreFormula } from '../csv/formula.js';
import { type ColumnMapping, parseMappingField, resolveHeader } from '../csv/header.js';
import { BadRequestError, InvalidCsvError } from '../errors.js';
import type { ParsedForm } from '../http/multipart.js';
import { encodingNoteOf, headerNotesOf, isBlank } from './pipeline.js';
import type { ImportPreview } from './preview-types.js';
import { formatOf } from './file-format.js';
import { openFileRecords } from './file-records.js';
import { parseSheetField } from './sheet-option.js';
import { csvFromForm, parseFlag } from './upload-import.js';

/** Data rows whose cells a preview shows: enough to recognise each column's content. */
export const PREVIEW_SAMPLE_ROWS = 5;

export interface PreviewOptions {
  /** Forced delimiter; detected from the header row when absent, as an import does. */
  delimiter?: Delimiter | undefined;
  /** Source header → column, as an import's `mapping` field. */
  mapping?: ColumnMapping;
  /** The bytes are the start of a larger file: a last line cut in the middle is left out. */
  partial?: boolean;
  sampleRows?: number;
  /** Workbooks: the sheet to read, by name; the first sheet when absent. */
  sheet?: string | undefined;
  /** Spreadsheet row numbers (as reports name them) whose cells to return whole: a report's rejected rows. */
  rows?: readonly number[];
}

/** Rows one preview returns whole: as many as a report lists messages. */
export const PREVIEW_MAX_ROWS = 100;

/**
 * The bytes up to and including the last line feed: the start of a large file, cut anywhere,
 * must not show a cut last row or fail to decode because its last character was cut in two.
 * In UTF-16 (with a byte order mark, or recognised without one as the import recognises it) a
 * line feed is two bytes, so the cut is made after both.
 */
export function completeLinesOf(bytes: Buffer): Buffer {
  const unit = utf16UnitOf(bytes);
  if (unit === undefined) {
    const end = bytes.lastIndexOf(0x0a);
    return end === -1 ? bytes : bytes.subarray(0, end + 1);
  }
  for (let i = bytes.length - 2; i >= 0; i--) {
    if (i % 2 !== 0) continue;
    const isLineFeed = unit === 'le' ? bytes[i] === 0x0a && bytes[i + 1] === 0x00 : bytes[i] === 0x00 && bytes[i + 1] === 0x0a;
    if (isLineFeed) return bytes.subarray(0, i + 2);
  }
  return bytes;
}

function utf16UnitOf(bytes: Buffer): 'le' | 'be' | undefined {
  // The file goes on past these bytes, so the sample is never complete.
  const encoding = byteOrderMarkOf(bytes) ?? utf16WithoutBomOf(bytes, false)?.encoding;
  return encoding === 'utf-16le' ? 'le' : encoding === 'utf-16be' ? 'be' : undefined;
}

async function* once(bytes: Buffer): AsyncIterable<Uint8Array> {
  yield bytes;
}

/**
 * How an import would read a CSV file, from its first rows, writing nothing: the encoding and
 * delimiter (decode.ts and dialect.ts, through the import's own records stage), the preset and
 * what each column becomes (header.ts), and each column's first cells. A file whose header has
 * no name column still gets its columns, with `header_error` saying why it would be refused.
 * A vCard file (found by content, as an import finds it) previews as the columns its cards
 * fill: vCard has no header row, each card is a row under our own column names.
 * Throws InvalidCsvError for an empty or binary file, or a header that is not CSV.
 */
export async function previewCsv(bytes: Buffer, options: PreviewOptions = {}): Promise<ImportPreview> {
  // A workbook is a zip: cut at a line feed it would not open at all, so it is read as sent.
  // Excel and LibreOffice store a sheet's texts after the sheet, at the end of the file, so
  // the first bytes of a workbook show nothing; refused before reading (a cut zip would also
  // leave the sheet exceljs spooled in /tmp).
  if (options.partial === true && formatOf(bytes.subarray(0, 64 * 1024)) === 'xlsx') {
    throw new InvalidCsvError(
      'a workbook cannot be previewed from its first bytes (its texts are stored at its end); send the whole file without partial=true',
      'a cut workbook',
    );
  }
  return previewRecords(options.partial ? completeLinesOf(bytes) : bytes, options);
}

async function previewRecords(source: Buffer, options: PreviewOptions): Promise<ImportPreview> {
  const sampleRows = options.sampleRows ?? PREVIEW_SAMPLE_ROWS;
  const records = await openFileRecords(once(source), {
    ...(options.delimiter ? { delimiter: options.delimiter } : {}),
    ...(options.sheet ? { sheet: options.sheet } : {}),
  });
  // A vCard's records start with a header of our column names, as a CSV file's with its own.
  const vcard = records.format === 'vcard';
  let headerCells: string[] | undefined;
  const rows: string[][] = [];
  const wanted = new Set(options.rows ?? []);
  const lastWanted = Math.max(0, ...wanted);
  const found: Array<{ row: number; cells: string[] }> = [];
  try {
    for await (const record of records.records) {
      if ('stopped' in record) {
        if (headerCells === undefined) throw new InvalidCsvError(`the header row is not valid CSV: ${record.stopped.message}`);
        break;
      }
      if (!('cells' in record)) continue;
      if (headerCells === undefined) {
        if (isBlank(record.cells)) throw new InvalidCsvError('the first row must be the header, but it is blank');
        headerCells = record.cells;
        continue;
      }
      if (wanted.has(record.row)) found.push({ row: record.row, cells: record.cells });
      if (isBlank(record.cells)) continue;
      if (rows.length < sampleRows) rows.push(record.cells);
      if (rows.length >= sampleRows && record.row >= lastWanted) break;
    }
  } finally {
    records.close();
  }
  if (headerCells === undefined) throw new InvalidCsvError('the file is empty');
  // The mapping field applies to CSV headers only, as in an import.
  const { header, problem } = resolveHeader(headerCells, vcard ? undefined : options.mapping);
  const columns = headerCells
    .map((cell, index) => ({
      header: cell.trim(),
      field: header.targets[index] ?? null,
      // As the import stores them: a cell an export guarded against formulas reads back unguarded.
      samples: rows.map((row) => restoreFormula((row[index] ?? '').trim())),
    }))
    // Of a vCard's columns, only those its first cards fill.
    .filter((column) => !vcard || column.samples.some((sample) => sample !== ''));
  return {
    format: records.format,
    encoding: records.encoding,
    delimiter: records.delimiter,
    preset: header.preset ?? null,
    // Blank header cells (trailing separators) are neither columns nor unknown.
    columns: columns.filter((column) => column.header !== ''),
    unknown_columns: [...header.unknown, ...header.repeated],
    rows_sampled: rows.length,
    header_error: problem ? String(problem.body.error ?? problem.message) : null,
    notes: [encodingNoteOf(records.encoding, records.encodingDecision), ...headerNotesOf(header)].filter(
      (note): note is string => note !== undefined,
    ),
    rows: found,
  };
}

/** The `rows` form field: a comma list of spreadsheet row numbers (2 and up), at most PREVIEW_MAX_ROWS. */
export function parseRowsField(raw: string | undefined): number[] {
  if (raw === undefined || raw.trim() === '') return [];
  const rows = raw.split(',').map((part) => part.trim());
  const invalid = rows.find((part) => !/^\d{1,9}$/.test(part) || Number(part) < 2);
  if (invalid !== undefined)
    throw new BadRequestError('invalid rows', `'rows' must be a comma list of row numbers from 2, got '${invalid}'`);
  if (rows.length > PREVIEW_MAX_ROWS) throw new BadRequestError('invalid rows', `'rows' names at most ${PREVIEW_MAX_ROWS} rows`);
  return rows.map(Number);
}

/**
 * The preview of an upload form, with the fields of an import form: `file` (or `csv_content`),
 * `delimiter`, `mapping`, `partial=true` when `file` holds only the first bytes of a file too
 * large to send whole, and `rows` (row numbers whose cells to return, as a report names them).
 */
export function previewForm(form: ParsedForm): Promise<ImportPreview> {
  return previewCsv(csvFromForm(form), {
    delimiter: parseDelimiterField(form.fields.delimiter),
    mapping: parseMappingField(form.fields.mapping),
    partial: parseFlag('partial', form.fields.partial),
    rows: parseRowsField(form.fields.rows),
    sheet: parseSheetField(form.fields.sheet),
  });
}
