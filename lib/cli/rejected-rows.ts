import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

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
 * A file's text as the service reads it: a UTF-8 or UTF-16 byte-order mark decides; else UTF-8
 * when the bytes are valid UTF-8, Windows-1252 when not.
 */
export function csvTextOf(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  const withoutBom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(withoutBom);
  } catch {
    return new TextDecoder('windows-1252').decode(withoutBom);
  }
}

/** The delimiter the service picks: the one of `,` `;` tab that occurs most often outside quotes in the header row; `,` on a tie. */
export function headerDelimiterOf(text: string): string {
  const tally = new Map<string, number>([
    [',', 0],
    [';', 0],
    ['\t', 0],
  ]);
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === '\n' || char === '\r')) break;
    else if (!quoted && tally.has(char)) tally.set(char, (tally.get(char) as number) + 1);
  }
  const [comma, semicolon, tab] = [tally.get(',') ?? 0, tally.get(';') ?? 0, tally.get('\t') ?? 0];
  if (semicolon > comma && semicolon > tab) return ';';
  if (tab > comma && tab > semicolon) return '\t';
  return ',';
}

/** `--delimiter` as the routes accept it (`,` `;` tab, or their names), as one character. */
export function delimiterCharOf(option: string): string {
  const named: Record<string, string> = { comma: ',', semicolon: ';', tab: '\t', '\\t': '\t' };
  return named[option.toLowerCase()] ?? option;
}

/**
 * The rejected rows of an import whose report is all there is (a synchronous import, or a job
 * of another user's, whose errors.csv the admin routes do not serve), in the job's errors.csv
 * format: `row,error,<the file's columns>`, the cells taken from the local file. Row N is the
 * N-th record counting the header as 1 and blank lines as rows, as the service numbers them; a
 * row the local reading cannot find keeps its number and reason, without cells.
 */
export function rejectedRowsCsv(file: Uint8Array, messages: readonly string[], delimiter?: string): { csv: string; rows: number } {
  const { reasons } = rejectedRowMessagesOf(messages);
  const text = csvTextOf(file);
  let records: string[][] = [];
  try {
    records = parse(text, {
      delimiter: delimiter ? delimiterCharOf(delimiter) : headerDelimiterOf(text),
      // CRLF, LF and CR, mixed in one file too, as the service reads them.
      record_delimiter: ['\r\n', '\n', '\r'],
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: false,
    }) as string[][];
  } catch {
    // A file the service also stopped reading (an unclosed quote): numbers and reasons only.
  }
  const header = records[0] ?? [];
  const lines: string[][] = [['row', 'error', ...header]];
  for (const [row, reason] of [...reasons].sort(([a], [b]) => a - b)) lines.push([String(row), reason, ...(records[row - 1] ?? [])]);
  return { csv: stringify(lines, { record_delimiter: 'windows' }), rows: reasons.size };
}
