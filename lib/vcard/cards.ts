import { type ContentLine, contentLineBatchesOf } from './content-lines.js';
import { isBinaryProperty, nameOfLine, parseProperty, type VcardProperty } from './property.js';

/**
 * Content lines → cards: everything from a `BEGIN:VCARD` to its `END:VCARD`, in file order,
 * one card in memory at a time.
 *
 * Why our own reader rather than an npm parser: the ones that are kept up (`ical.js`,
 * `vcard4`, `vcf`) take the whole file as one string, so a 1 GiB job would be read into
 * memory, and they give no byte offsets (a paused job resumes by byte range); `vcard4` and
 * `ical.js` are also made for 4.0 (and 3.0), not for vCard 2.1 as Outlook and Android write
 * it (quoted-printable soft line breaks, `CHARSET=` per value, bare parameters like
 * `TEL;WORK;VOICE`). The format is small: a streaming reader of it is a few hundred lines.
 */

/** A card whose kept values pass this is not a contact (a runaway file); it is reported, not held. */
export const MAX_CARD_BYTES = 4 * 1024 * 1024;

export interface VcardCard {
  /** Line number of its BEGIN:VCARD. */
  line: number;
  /** Line number of the line after its END:VCARD. */
  nextLine: number;
  /** Byte offset just after its END:VCARD line: where reading may resume. */
  endOffset: number;
  /** The VERSION it declares; '3.0' when it declares none. */
  version: string;
  properties: VcardProperty[];
  /** Names of properties whose value was not kept (binary data, over-long lines), one per occurrence. */
  dropped: string[];
  /** Non-blank lines before this card that were outside any card. */
  linesOutside: number;
  /** Why the card cannot be read as a contact, if so. */
  problem?: string;
}

const BEGIN_VCARD = /^begin\s*:\s*vcard\s*$/i;
const END_VCARD = /^end\s*:\s*vcard\s*$/i;
const BEGIN_ANY = /^begin\s*:/i;
const END_ANY = /^end\s*:/i;

/** The line's text when it may be a BEGIN or END line (they start with B, E or a BOM), else ''. */
function markerTextOf(line: ContentLine): string {
  const first = line.bytes[0];
  if (line.bytes.length > 64 || (first !== 0x42 && first !== 0x62 && first !== 0x45 && first !== 0x65 && first !== 0xef)) return '';
  return line.bytes
    .toString('latin1')
    .replace(/^\u00ef\u00bb\u00bf/, '')
    .trim();
}

class CardBuilder {
  private readonly rawLines: Buffer[] = [];
  private keptBytes = 0;
  readonly dropped: string[] = [];
  version = '3.0';
  /** Depth of cards nested inside this one (vCard 2.1 AGENT). */
  nested = 0;
  problem: string | undefined;

  constructor(
    readonly line: number,
    readonly linesOutside: number,
    private readonly fallbackCharset: string | undefined,
  ) {}

  add(line: ContentLine): void {
    const { name } = nameOfLine(line.bytes);
    if (isBinaryProperty(name) || line.truncated) {
      this.dropped.push(name);
      return;
    }
    if (name === 'VERSION') {
      const colon = line.bytes.indexOf(0x3a);
      this.version = line.bytes
        .subarray(colon + 1)
        .toString('latin1')
        .trim();
    }
    this.keptBytes += line.bytes.length;
    if (this.keptBytes > MAX_CARD_BYTES) {
      this.problem ??= `the card holds more than ${MAX_CARD_BYTES / (1024 * 1024)} MiB of text`;
      return;
    }
    this.rawLines.push(line.bytes);
  }

  build(end: { nextLine: number; endOffset: number }): VcardCard {
    const properties: VcardProperty[] = [];
    if (this.problem === undefined) {
      for (const bytes of this.rawLines) {
        const property = parseProperty(bytes, this.fallbackCharset);
        if (property) properties.push(property);
        else this.dropped.push('(line without a colon)');
      }
    }
    return {
      line: this.line,
      nextLine: end.nextLine,
      endOffset: end.endOffset,
      version: this.version,
      properties,
      dropped: this.dropped,
      linesOutside: this.linesOutside,
      ...(this.problem ? { problem: this.problem } : {}),
    };
  }
}

/**
 * The cards of a vCard byte stream. `start` continues a paused read: the stream then begins
 * at a card boundary, and lines are numbered from `start.line`. A card that never ends (the
 * file stops, or the next BEGIN:VCARD comes first) is still a card: what it holds is read.
 */
export async function* cardsOf(
  source: AsyncIterable<Uint8Array>,
  start: { line: number; fallbackCharset?: string } = { line: 1 },
): AsyncIterable<VcardCard> {
  let card: CardBuilder | undefined;
  let linesOutside = 0;
  let firstOutside = 0;
  let last: ContentLine | undefined;
  for await (const batch of contentLineBatchesOf(source, start.line)) {
    for (const line of batch) {
      const text = markerTextOf(line);
      if (card === undefined) {
        if (BEGIN_VCARD.test(text)) {
          card = new CardBuilder(line.line, linesOutside, start.fallbackCharset);
          linesOutside = 0;
        } else {
          if (linesOutside === 0) firstOutside = line.line;
          linesOutside += 1;
        }
        last = line;
        continue;
      }
      if (BEGIN_VCARD.test(text) && card.nested === 0 && last !== undefined && !/^agent/i.test(nameOfLine(last.bytes).name)) {
        // A new card before this one ended: this one ends where the new one begins.
        yield card.build({ nextLine: line.line, endOffset: line.offset });
        card = new CardBuilder(line.line, 0, start.fallbackCharset);
        last = line;
        continue;
      }
      if (END_VCARD.test(text) && card.nested === 0) {
        yield card.build({ nextLine: line.nextLine, endOffset: line.endOffset });
        card = undefined;
        last = line;
        continue;
      }
      // A card nested in this one (a vCard 2.1 AGENT) is part of the AGENT property, which
      // is counted as not mapped; its own lines are not read.
      if (BEGIN_ANY.test(text)) card.nested += 1;
      else if (END_ANY.test(text) && card.nested > 0) card.nested -= 1;
      else if (card.nested === 0) card.add(line);
      last = line;
    }
  }
  if (card !== undefined && last !== undefined) yield card.build({ nextLine: last.nextLine, endOffset: last.endOffset });
  else if (linesOutside > 0 && last !== undefined) {
    // Text after the last card (or a file whose first card never began: a folded BEGIN line)
    // is not silently dropped: it is one unreadable row.
    const trailing = new CardBuilder(firstOutside, 0, start.fallbackCharset);
    const lines = `${linesOutside} line${linesOutside === 1 ? '' : 's'}`;
    trailing.problem = `${lines} from here to the end of the file, not inside BEGIN:VCARD ... END:VCARD`;
    yield trailing.build({ nextLine: last.nextLine, endOffset: last.endOffset });
  }
}
