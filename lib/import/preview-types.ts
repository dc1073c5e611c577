/**
 * The answer of `POST /phonebook/import/preview`: how the service would read a file, before
 * anything is imported. Types only (no runtime code), so the web page and the CLI can import
 * them without pulling in the CSV pipeline.
 */
export interface ImportPreview {
  /** What the file holds, found from its content: `csv`, `vcard` (cards are rows under our column names), or `xlsx` (a workbook's sheet). */
  format: 'csv' | 'vcard' | 'xlsx';
  /** The encoding the file is read in: one of SOURCE_ENCODINGS (lib/csv/decode.ts), e.g. `utf-8`, `windows-1251`. */
  encoding: string;
  /** `,` `;` or a tab: the one given in the request, or the one detected in the header row. */
  delimiter: string;
  /** The export format recognised from the header (`Outlook (German)`, ...), or null. */
  preset: string | null;
  /** Every header cell, in file order. */
  columns: PreviewColumn[];
  /** Header names that are not imported (unknown, dropped by the mapping, or named twice). */
  unknown_columns: string[];
  /** Data rows whose cells are in `samples` (blank rows are not counted). */
  rows_sampled: number;
  /** Why an import of this file with this mapping would be refused (no `name` column), or null. */
  header_error: string | null;
  /** What an import's report would say about the whole file (preset, unknown columns, encoding). */
  notes: string[];
  /** The rows asked for with the `rows` field, whole, in file order: a report's rejected rows with their cells. */
  rows: Array<{ row: number; cells: string[] }>;
}

export interface PreviewColumn {
  /** The header cell as written in the file (trimmed). */
  header: string;
  /** The phonebook column it is imported into (`name`, `workemail`, ..., `firstname`, `id`), or null: not imported. */
  field: string | null;
  /** This column's cells in the first rows, trimmed; `''` where a row has no such cell. */
  samples: string[];
}
