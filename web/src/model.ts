import { parse } from 'csv-parse/browser/esm/sync';
import { stringify } from 'csv-stringify/browser/esm/sync';
import { CONTACT_FIELDS } from '../../lib/contacts/fields.js';
import { NAME_PARTS } from '../../lib/csv/presets.js';

/** What a column can be mapped to: the service's own list (lib/csv/presets.ts), so the page never offers a column it refuses. */
export const COLUMN_TARGETS: readonly string[] = [
  ...CONTACT_FIELDS,
  ...NAME_PARTS.filter((part) => !CONTACT_FIELDS.includes(part as never)),
  'id',
];

export interface RejectedRow {
  row: number;
  reason: string;
  cells: string[];
}

/** The rows a report's messages name (`Row N: reason`), in order; whole-file notes have no row. */
export function rowNumbersOf(messages: readonly string[]): Array<{ row: number; reason: string }> {
  return messages.flatMap((message) => {
    const match = /^Row (\d+): (.*)$/s.exec(message);
    return match ? [{ row: Number(match[1]), reason: match[2] ?? '' }] : [];
  });
}

/** A job's errors.csv (`row,error,<the file's columns>`), read for the table. */
export function rejectedRowsOfCsv(csv: string): { rows: RejectedRow[]; header: string[] } {
  const records = parse(csv, { bom: true, relax_column_count: true }) as string[][];
  const [first, ...rest] = records;
  return {
    header: (first ?? []).slice(2),
    rows: rest.map((record) => ({ row: Number(record[0]), reason: record[1] ?? '', cells: record.slice(2) })),
  };
}

/** The rejected rows as the service's errors.csv lays them out: `row,error`, then the file's own columns. */
export function rejectedRowsCsv(rows: readonly RejectedRow[], header: readonly string[]): string {
  return stringify([['row', 'error', ...header], ...rows.map((row) => [String(row.row), row.reason, ...row.cells])]);
}

/** Offers text as a file download, without a round trip to the server. */
export function downloadText(filename: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function formatDuration(seconds: number): string {
  const whole = Math.ceil(seconds);
  if (whole < 60) return `${whole} s`;
  const minutes = Math.floor(whole / 60);
  return minutes < 60 ? `${minutes} min ${whole % 60} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
