import { CONTACT_FIELDS } from '../contacts/fields.js';
import { byteOrderMarkOf, decodeAs, type EncodingDecision, type SourceEncoding, utf16WithoutBomOf } from '../csv/decode.js';
import { neutraliseFormula } from '../csv/formula.js';
import { replay } from '../streams/replay.js';
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
  /**
   * Continue at a card boundary. A UTF-8 file's stream then starts there, rows and lines
   * numbered on; a file in another encoding is read again from its start, decoded as the first
   * run decided, and the cards before `nextRow` are skipped by the pipeline.
   */
  resume?: { nextRow: number; nextLine: number; encoding: SourceEncoding };
  /** The encoding the caller named (the `encoding` option); decided as for CSV when absent. */
  encoding?: SourceEncoding;
}

/** The reader takes UTF-8 bytes: text decoded from another encoding is encoded again. */
async function* utf8Of(chunks: AsyncIterable<Buffer | string>): AsyncIterable<Uint8Array> {
  for await (const chunk of chunks) yield typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
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
  options: { resume?: { nextRow: number; nextLine: number }; fallbackCharset?: string },
  state: { closed: boolean },
): AsyncIterable<FileRecord> {
  let row = options.resume ? options.resume.nextRow - 1 : 0;
  if (!options.resume) yield { row: 0, cells: [...VCARD_HEADER], endOffset: 0 };
  for await (const card of cardsOf(source, {
    line: options.resume?.nextLine ?? 1,
    ...(options.fallbackCharset ? { fallbackCharset: options.fallbackCharset } : {}),
  })) {
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

/** The first chunk of a stream, and the whole stream again. */
async function peek(source: AsyncIterable<Uint8Array>): Promise<{ first: Buffer; source: AsyncIterable<Uint8Array> }> {
  const iterator = source[Symbol.asyncIterator]();
  const head = await iterator.next();
  const first = head.done ? Buffer.alloc(0) : Buffer.from(head.value.buffer, head.value.byteOffset, head.value.byteLength);
  return { first, source: replay(head.done ? [] : [head.value], iterator) };
}

const isUtf16 = (encoding: SourceEncoding | undefined): encoding is 'utf-16le' | 'utf-16be' =>
  encoding === 'utf-16le' || encoding === 'utf-16be';

/**
 * Opens the records of a vCard byte stream; see RecordSource and the module comment.
 *
 * vCard names its encoding per value (`CHARSET=`, vCard 2.1), so a file is not decoded as a
 * whole the way a CSV file is: the reader takes bytes, and a value without a CHARSET is read
 * as UTF-8, or, when its bytes are not UTF-8, in the `encoding` the caller named (Windows-1252,
 * as Outlook writes, by default). Only UTF-16 files (by their byte order mark, their zero bytes,
 * or as asked) are converted to UTF-8 first.
 */
export async function openVcardRecords(source: AsyncIterable<Uint8Array>, options: VcardRecordOptions = {}): Promise<RecordSource> {
  const counter = { bytes: 0, closed: false };
  const resume = options.resume;
  let encoding: SourceEncoding;
  let decision: EncodingDecision;
  let stream = source;
  if (resume) {
    encoding = resume.encoding;
    decision = { how: 'checkpoint' };
  } else {
    const peeked = await peek(source);
    stream = peeked.source;
    const bom = byteOrderMarkOf(peeked.first);
    const utf16 = isUtf16(bom) ? undefined : utf16WithoutBomOf(peeked.first, false);
    if (options.encoding !== undefined) {
      encoding = options.encoding;
      decision = { how: 'asked' };
    } else if (isUtf16(bom)) {
      encoding = bom;
      decision = { how: 'byte-order-mark' };
    } else if (utf16 !== undefined) {
      encoding = utf16.encoding;
      decision = { how: 'detected', confidence: utf16.confidence };
    } else {
      encoding = 'utf-8';
      decision = { how: 'utf-8' };
    }
  }
  const counted = countBytes(stream, counter);
  const bytes = isUtf16(encoding) ? utf8Of(decodeAs(counted, encoding)) : counted;
  let settle = () => {};
  const fed = new Promise<void>((resolve) => {
    settle = resolve;
  });
  // Only a UTF-8 file resumes by byte range (offsets are of the bytes read); others restart.
  const resumeAt = resume?.encoding === 'utf-8' ? { nextRow: resume.nextRow, nextLine: resume.nextLine } : undefined;
  const fallbackCharset = encoding === 'utf-8' || isUtf16(encoding) ? undefined : encoding;
  async function* records(): AsyncIterable<FileRecord> {
    try {
      yield* recordsOf(bytes, { ...(resumeAt ? { resume: resumeAt } : {}), ...(fallbackCharset ? { fallbackCharset } : {}) }, counter);
    } finally {
      settle();
    }
  }
  return {
    format: 'vcard',
    headerRow: 0,
    encoding,
    encodingDecision: decision,
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
