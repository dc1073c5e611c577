import { utf16WithoutBomOf } from '../csv/decode.js';

/**
 * Which kind of file an import reads, decided from its content, never from its name (phones
 * and mail programs name exports anything, and a `.csv` upload may well hold vCards).
 */
export type FileFormat = 'csv' | 'vcard';

/** How much of the start of a file is looked at for its first non-blank line. */
const SNIFF_BYTES = 64 * 1024;

const FIRST_LINE_IS_BEGIN_VCARD = /^[\s\uFEFF]*begin[ \t]*:[ \t]*vcard[ \t]*(\r\n|\r|\n|$)/i;

/**
 * The text of the start of a file, for sniffing: UTF-16 by its BOM or by its zero bytes (as
 * decode.ts tells it), else bytes as Latin-1 (ASCII is all that is looked for).
 */
function sampleText(sample: Uint8Array): string {
  const bytes = Buffer.from(sample.buffer, sample.byteOffset, sample.byteLength);
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes);
  const utf16 = utf16WithoutBomOf(bytes, false);
  if (utf16 !== undefined) return new TextDecoder(utf16.encoding).decode(bytes);
  return bytes.toString('latin1').replace(/^\u00ef\u00bb\u00bf/, '');
}

/** The format of a file from its first bytes: vCard when its first non-blank line is `BEGIN:VCARD` (any case). */
export function formatOf(sample: Uint8Array): FileFormat {
  return FIRST_LINE_IS_BEGIN_VCARD.test(sampleText(sample)) ? 'vcard' : 'csv';
}

async function* prepend(first: readonly Uint8Array[], rest: AsyncIterator<Uint8Array>): AsyncIterable<Uint8Array> {
  yield* first;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield next.value;
  }
}

/**
 * Reads the start of `source` (up to its first non-blank line, at most 64 KiB) and says its
 * format; `source` is the whole stream again, the bytes read included.
 */
export async function sniffFormat(source: AsyncIterable<Uint8Array>): Promise<{ format: FileFormat; source: AsyncIterable<Uint8Array> }> {
  const iterator = source[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let length = 0;
  while (length < SNIFF_BYTES) {
    const next = await iterator.next();
    if (next.done) break;
    head.push(next.value);
    length += next.value.byteLength;
    // Enough once a non-blank line has ended.
    if (/\S[^\n\r]*[\r\n]/.test(sampleText(Buffer.concat(head)))) break;
  }
  return { format: formatOf(Buffer.concat(head)), source: prepend(head, iterator) };
}
