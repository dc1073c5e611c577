import { utf16WithoutBomOf } from '../csv/decode.js';
import { replay } from '../streams/replay.js';
import { InvalidCsvError } from '../errors.js';
import type { FILE_FORMATS } from './option-values.js';

/**
 * Which kind of file an import reads, decided from its content, never from its name (phones
 * and mail programs name exports anything, and a `.csv` upload may well hold vCards).
 */
export type FileFormat = (typeof FILE_FORMATS)[number];

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

const ZIP_LOCAL_HEADER = [0x50, 0x4b, 0x03, 0x04];
/** The OLE2 compound file signature of Excel 97-2003 workbooks (.xls), and of old Word and Outlook files. */
const OLE2_SIGNATURE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const SAVE_AS = 'save it as .xlsx (Excel Workbook) or CSV and upload that';

const startsWith = (sample: Uint8Array, signature: readonly number[]) => signature.every((byte, i) => sample[i] === byte);

/**
 * An OpenDocument file names its kind in a first zip entry `mimetype`, stored uncompressed
 * (ODF 1.2, 3.3): its local header (30 bytes, then the name) is followed by the type itself.
 */
function openDocumentTypeOf(sample: Uint8Array): string | undefined {
  const bytes = Buffer.from(sample.buffer, sample.byteOffset, sample.byteLength);
  if (bytes.length < 30) return undefined;
  const nameLength = bytes.readUInt16LE(26);
  const extraLength = bytes.readUInt16LE(28);
  if (bytes.toString('latin1', 30, 30 + nameLength) !== 'mimetype') return undefined;
  const start = 30 + nameLength + extraLength;
  return bytes.toString('latin1', start, start + bytes.readUInt32LE(18)).trim();
}

/**
 * The format of a file from its first bytes: an Excel workbook when it is a zip archive (the
 * workbook reader says so if it is some other zip), vCard when its first non-blank line is
 * `BEGIN:VCARD` (any case), CSV otherwise. Throws InvalidCsvError for the spreadsheet files
 * that are not read (binary .xls, OpenDocument .ods), saying what to save them as.
 */
export function formatOf(sample: Uint8Array): FileFormat {
  if (startsWith(sample, OLE2_SIGNATURE)) {
    throw new InvalidCsvError(`this looks like an Excel 97-2003 workbook (.xls), which is not read; ${SAVE_AS}`, 'an OLE2 (.xls) file');
  }
  if (startsWith(sample, ZIP_LOCAL_HEADER)) {
    const openDocument = openDocumentTypeOf(sample);
    if (openDocument === 'application/vnd.oasis.opendocument.spreadsheet') {
      throw new InvalidCsvError(`this is an OpenDocument spreadsheet (.ods), which is not read; ${SAVE_AS}`, 'an .ods file');
    }
    if (openDocument !== undefined) {
      throw new InvalidCsvError(`this is an OpenDocument file (${openDocument}), not a phonebook; ${SAVE_AS}`, 'an OpenDocument file');
    }
    return 'xlsx';
  }
  return FIRST_LINE_IS_BEGIN_VCARD.test(sampleText(sample)) ? 'vcard' : 'csv';
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
    const start = Buffer.concat(head, length);
    // A zip's first entry header (and an .ods file's type) is in its first 128 bytes.
    if (length >= 128 && startsWith(start, ZIP_LOCAL_HEADER)) break;
    // Enough once a non-blank line has ended.
    if (/\S[^\n\r]*[\r\n]/.test(sampleText(start))) break;
  }
  return { format: formatOf(Buffer.concat(head, length)), source: replay(head, iterator) };
}
