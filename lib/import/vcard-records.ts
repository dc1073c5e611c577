import { CONTACT_FIELDS } from '../contacts/fields.js';
import { neutraliseFormula } from '../csv/formula.js';
import { cardsOf } from '../vcard/cards.js';
import { mapCard } from '../vcard/map-card.js';
import type { FileRecord, RecordSource } from './records.js';

/**
 * The records stage for vCard files: each card becomes one numbered record under a header of
 * our own column names, so that the row rules, duplicates, the report and errors.csv treat it
 * exactly as a CSV row. The header is row 0 and card N is row N: a card's row number is its
 * ordinal, and its record carries the line its BEGIN:VCARD is on.
 */

/** The synthetic header: every contact column, so a card sets (or clears) the whole contact. */
export const VCARD_HEADER: readonly string[] = CONTACT_FIELDS;

/** Where a paused vCard import continues, and what its earlier runs counted. */
export interface VcardCheckpoint {
  /** Line number where the next card's stretch of the file starts. */
  nextLine: number;
  /** Property name → values that had no column. */
  unmapped: Record<string, number>;
  /** VERSION → cards. */
  versions: Record<string, number>;
  linesOutside: number;
}

export interface VcardRecordOptions {
  /** Continue at a card boundary: the stream starts there, rows and lines numbered on. */
  resume?: { nextRow: number; nextLine: number };
  /** For UTF-16 files, which are read as text converted to UTF-8 (and resumed by re-reading). */
  encoding?: 'utf-16le' | 'utf-16be';
}

async function* transcodedToUtf8(source: AsyncIterable<Uint8Array>, encoding: 'utf-16le' | 'utf-16be'): AsyncIterable<Uint8Array> {
  const decoder = new TextDecoder(encoding);
  for await (const chunk of source) {
    const text = decoder.decode(chunk, { stream: true });
    if (text !== '') yield Buffer.from(text, 'utf8');
  }
  const tail = decoder.decode();
  if (tail !== '') yield Buffer.from(tail, 'utf8');
}

async function* countBytes(source: AsyncIterable<Uint8Array>, counter: { bytes: number; closed: boolean }): AsyncIterable<Uint8Array> {
  for await (const chunk of source) {
    if (counter.closed) return;
    counter.bytes += chunk.byteLength;
    yield chunk;
  }
}

async function* recordsOf(
  source: AsyncIterable<Uint8Array>,
  options: VcardRecordOptions,
  state: { closed: boolean },
): AsyncIterable<FileRecord> {
  let row = options.resume ? options.resume.nextRow - 1 : 0;
  if (!options.resume) yield { row: 0, cells: [...VCARD_HEADER], endOffset: 0 };
  for await (const card of cardsOf(source, { line: options.resume?.nextLine ?? 1 })) {
    if (state.closed) return;
    row += 1;
    const position = { line: card.line, nextLine: card.nextLine, endOffset: card.endOffset };
    if (card.problem !== undefined) {
      yield { row, malformed: card.problem, ...position };
      continue;
    }
    const mapped = mapCard(card);
    // Cells as an export would write them, so that the CSV reading of cells (which undoes
    // the formula guard) gives back exactly the card's values. Line breaks are LF: vCard
    // has one (`\n`), and vCard 2.1's quoted-printable CRLF means the same.
    const cells = VCARD_HEADER.map((field) =>
      neutraliseFormula((mapped.fields[field as keyof typeof mapped.fields] ?? '').replace(/\r\n?/g, '\n')),
    );
    yield {
      row,
      cells,
      ...position,
      vcard: { version: card.version, unmapped: mapped.unmapped, linesOutside: card.linesOutside },
    };
  }
}

/** Opens the records of a vCard byte stream; see RecordSource and the module comment. */
export function openVcardRecords(source: AsyncIterable<Uint8Array>, options: VcardRecordOptions = {}): RecordSource {
  const counter = { bytes: 0, closed: false };
  const counted = countBytes(source, counter);
  const bytes = options.encoding ? transcodedToUtf8(counted, options.encoding) : counted;
  let settle = () => {};
  const fed = new Promise<void>((resolve) => {
    settle = resolve;
  });
  async function* records(): AsyncIterable<FileRecord> {
    try {
      yield* recordsOf(bytes, options, counter);
    } finally {
      settle();
    }
  }
  return {
    format: 'vcard',
    headerRow: 0,
    // Offsets are of the UTF-8 bytes read; only a UTF-8 file can be resumed by byte range.
    encoding: options.encoding ?? 'utf-8',
    delimiter: ',',
    bytesFetched: () => counter.bytes,
    records: records(),
    close: () => {
      counter.closed = true;
      settle();
    },
    fed,
  };
}

/** What the report says about a vCard file, counted over the cards handled (a checkpoint carries it). */
export class VcardTally {
  private constructor(private readonly state: VcardCheckpoint) {}

  static start(resumed?: VcardCheckpoint): VcardTally {
    return new VcardTally(
      resumed
        ? { ...resumed, unmapped: { ...resumed.unmapped }, versions: { ...resumed.versions } }
        : { nextLine: 1, unmapped: {}, versions: {}, linesOutside: 0 },
    );
  }

  count(record: { nextLine?: number; vcard?: { version: string; unmapped: readonly string[]; linesOutside: number } }): void {
    if (record.nextLine !== undefined) this.state.nextLine = record.nextLine;
    if (!record.vcard) return;
    const { version, unmapped, linesOutside } = record.vcard;
    this.state.versions[version] = (this.state.versions[version] ?? 0) + 1;
    for (const name of unmapped) this.state.unmapped[name] = (this.state.unmapped[name] ?? 0) + 1;
    this.state.linesOutside += linesOutside;
  }

  snapshot(): VcardCheckpoint {
    return { ...this.state, unmapped: { ...this.state.unmapped }, versions: { ...this.state.versions } };
  }

  /** The file-wide notes: the format and versions read, then what had no column. */
  notes(): string[] {
    const versions = Object.entries(this.state.versions).sort(([a], [b]) => a.localeCompare(b));
    const cards = (count: number) => `${count} card${count === 1 ? '' : 's'}`;
    const format =
      versions.length === 1
        ? `the file was read as vCard ${versions[0]?.[0]} (${cards(versions[0]?.[1] ?? 0)})`
        : `the file was read as vCard (${versions.map(([version, count]) => `${version}: ${cards(count)}`).join(', ') || 'no cards'})`;
    const notes = [format];
    const unmapped = Object.entries(this.state.unmapped).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
    const total = unmapped.reduce((sum, [, count]) => sum + count, 0);
    if (total > 0) {
      notes.push(
        `${total} value${total === 1 ? '' : 's'} had no field: ${unmapped.map(([name, count]) => `${name} (${count})`).join(', ')}`,
      );
    }
    if (this.state.linesOutside > 0) {
      notes.push(`${this.state.linesOutside} line${this.state.linesOutside === 1 ? '' : 's'} outside BEGIN:VCARD ... END:VCARD ignored`);
    }
    return notes;
  }
}
