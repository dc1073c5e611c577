import { stringify } from 'csv-stringify/sync';
import { parseDelimiterField } from '../csv/dialect.js';
import { openRecords } from '../import/records.js';

/** The rows a report's messages reject: row number → reason, and whether the list was cut short. */
export interface RejectedRowMessages {
  reasons: Map<number, string>;
  /** The service keeps the first messages only ("... and N more errors not listed"). */
  truncated: boolean;
}

/**
 * Reads `Row N: reason` messages out of a report. Messages about the whole file (unknown
 * columns, encoding) name no row and are not rejected rows; two messages of one row are joined.
 */
export function rejectedRowMessagesOf(messages: readonly string[]): RejectedRowMessages {
  const reasons = new Map<number, string>();
  let truncated = false;
  for (const message of messages) {
    const match = /^Row (\d+): ([\s\S]*)$/.exec(message);
    if (match) {
      const row = Number(match[1]);
      const earlier = reasons.get(row);
      reasons.set(row, earlier === undefined ? (match[2] as string) : `${earlier}; ${match[2]}`);
    } else if (/^\.\.\. and \d+ more errors not listed$/.test(message)) truncated = true;
  }
  return { reasons, truncated };
}

/**
 * The rejected rows of an import whose report is all there is (a synchronous import, or a job
 * of another user's, whose errors.csv the admin routes do not serve), in the job's errors.csv
 * format: `row,error,<the file's columns>`, the cells taken from the local file. Row N is the
 * N-th record counting the header as 1 and blank lines as rows, as the service numbers them; a
 * row the local reading cannot find keeps its number and reason, without cells.
 */
export async function rejectedRowsCsv(
  file: AsyncIterable<Uint8Array>,
  messages: readonly string[],
  delimiter?: string,
): Promise<{ csv: string; rows: number }> {
  const { reasons } = rejectedRowMessagesOf(messages);
  // The service's own records stage (decoding, delimiter, numbering), so that row N here is
  // row N there by construction, whatever the file's encoding; only the named rows are kept.
  const cellsOf = new Map<number, string[]>();
  let header: string[] = [];
  try {
    const forced = parseDelimiterField(delimiter);
    const records = await openRecords(file, forced ? { delimiter: forced } : {});
    for await (const record of records.records) {
      if (!('cells' in record)) continue;
      if (record.row === 1) header = record.cells;
      else if (reasons.has(record.row)) cellsOf.set(record.row, record.cells);
    }
  } catch {
    // A file the service could not read either: numbers and reasons only.
  }
  const lines: string[][] = [['row', 'error', ...header]];
  for (const [row, reason] of [...reasons].sort(([a], [b]) => a - b)) lines.push([String(row), reason, ...(cellsOf.get(row) ?? [])]);
  return { csv: stringify(lines, { record_delimiter: 'windows' }), rows: reasons.size };
}
