import iconv from 'iconv-lite';
import { BadRequestError, InvalidCsvError } from '../errors.js';
import { guessLegacyEncoding } from './encoding-detection.js';

import { SOURCE_ENCODINGS, type SourceEncoding } from './encodings.js';

export { SOURCE_ENCODINGS, type SourceEncoding };

/** How the encoding of a file was decided, for the report. */
export type EncodingDecision =
  | { how: 'utf-8' }
  | { how: 'byte-order-mark' }
  | { how: 'detected'; confidence: number }
  | { how: 'asked' }
  /** A continued job reads the file as its first run decided. */
  | { how: 'checkpoint' };

export interface DecodedSource {
  encoding: SourceEncoding;
  decision: EncodingDecision;
  /** Chunks ready for csv-parse: raw UTF-8 bytes (the fast path) or decoded text. */
  chunks: AsyncIterable<Buffer | string>;
}

/** Other spellings people and tools use, keyed without case, dashes, underscores or spaces. */
const ALIASES: Readonly<Record<string, SourceEncoding>> = {
  utf8: 'utf-8',
  cp1250: 'windows-1250',
  cp1251: 'windows-1251',
  cp1252: 'windows-1252',
  cp1253: 'windows-1253',
  cp1254: 'windows-1254',
  cp1257: 'windows-1257',
  latin1: 'iso-8859-1',
  latin2: 'iso-8859-2',
  latin5: 'iso-8859-9',
  latin9: 'iso-8859-15',
  macroman: 'macintosh',
  mac: 'macintosh',
  sjis: 'shift_jis',
  // GB18030 is a superset of both, so their files read the same.
  gbk: 'gb18030',
  gb2312: 'gb18030',
};

const keyOf = (name: string): string =>
  name
    .trim()
    .toLowerCase()
    .replace(/[-_\s]/g, '');
const BY_KEY: ReadonlyMap<string, SourceEncoding> = new Map([
  ...SOURCE_ENCODINGS.map((name) => [keyOf(name), name] as const),
  ...Object.entries(ALIASES),
]);

/**
 * Reads an `encoding` option: one of SOURCE_ENCODINGS, in any case, with or without dashes
 * (`windows-1251`, `CP1251`, `latin2`, `Shift_JIS`). Empty or absent means "detect". Throws
 * BadRequestError naming the accepted names for anything else.
 */
export function parseEncodingField(raw: string | undefined): SourceEncoding | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const encoding = BY_KEY.get(keyOf(raw));
  if (encoding === undefined) {
    throw new BadRequestError('invalid encoding', `'encoding' must be one of ${SOURCE_ENCODINGS.join(', ')}, got '${raw}'`);
  }
  return encoding;
}

/** How much of the start of a file is examined to decide its encoding. */
const SNIFF_BYTES = 64 * 1024;

function isValidUtf8Prefix(bytes: Buffer, complete: boolean): boolean {
  try {
    // stream:true tolerates a multi-byte character cut at the end of a partial sample.
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: !complete });
    return true;
  } catch {
    return false;
  }
}

function isValidUtf16Prefix(bytes: Buffer, encoding: 'utf-16le' | 'utf-16be', complete: boolean): boolean {
  try {
    new TextDecoder(encoding, { fatal: true }).decode(bytes, { stream: !complete });
    return true;
  } catch {
    return false;
  }
}

/**
 * UTF-16 without a byte order mark (chardet only recognises UTF-16 by its BOM): a CSV has
 * commas, digits and line breaks on every line, ASCII characters whose high byte is zero, so
 * nearly every other byte on one side is zero and almost none on the other, whatever the
 * script of its letters.
 */
export function utf16WithoutBomOf(
  sample: Buffer,
  complete: boolean,
): { encoding: 'utf-16le' | 'utf-16be'; confidence: number } | undefined {
  const pairs = Math.floor(sample.length / 2);
  if (pairs < 2) return undefined;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < pairs; i++) {
    if (sample[2 * i] === 0) evenZeros++;
    if (sample[2 * i + 1] === 0) oddZeros++;
  }
  const encoding = oddZeros > evenZeros ? 'utf-16le' : 'utf-16be';
  const [zeros, strays] = oddZeros > evenZeros ? [oddZeros, evenZeros] : [evenZeros, oddZeros];
  if (zeros < pairs * 0.2 || strays > zeros * 0.02) return undefined;
  if (!isValidUtf16Prefix(sample.subarray(0, pairs * 2), encoding, complete)) return undefined;
  return { encoding, confidence: 1 - strays / zeros };
}

async function* prepend(first: Buffer, rest: AsyncIterator<Uint8Array>): AsyncIterable<Buffer> {
  if (first.length > 0) yield first;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
  }
}

async function* asBuffers(source: AsyncIterable<Uint8Array>): AsyncIterable<Buffer> {
  for await (const chunk of source) yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Streams `bytes` decoded from `encoding`, chunk by chunk (a character cut between chunks is
 * kept for the next). UTF-8 stays bytes: csv-parse reads it faster and its byte offsets are
 * then the file's, which resuming a job by byte range needs. iconv-lite rather than Node's
 * TextDecoder: Node 20's windows-1252 decodes 0x80–0x9F as Latin-1's control characters
 * (`€` becomes U+0080), and detection scored the candidates with iconv-lite's tables.
 */
export async function* decodeAs(bytes: AsyncIterable<Uint8Array>, encoding: SourceEncoding): AsyncIterable<Buffer | string> {
  if (encoding === 'utf-8') {
    yield* asBuffers(bytes);
    return;
  }
  const decoder = iconv.getDecoder(encoding);
  for await (const chunk of bytes) {
    const text = decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if (text.length > 0) yield text;
  }
  const tail = decoder.end();
  if (tail !== undefined && tail.length > 0) yield tail;
}

const UNREADABLE = /[\p{Cc}\uFFFD]/u;

/**
 * For an `encoding` the caller named: the sample's first byte sequence that has no character
 * in it (an undefined code or a control no text holds), as a sentence; undefined if it reads.
 */
function unreadableIn(sample: Buffer, encoding: SourceEncoding, complete: boolean): string | undefined {
  if (encoding === 'utf-8') return isValidUtf8Prefix(sample, complete) ? undefined : 'it is not valid UTF-8';
  const text = iconv.decode(sample, encoding, { stripBOM: true });
  const lastLine = complete ? text.length : text.lastIndexOf('\n');
  for (let i = 0; i < lastLine; i++) {
    const char = text[i] as string;
    if (char !== '\t' && char !== '\r' && char !== '\n' && UNREADABLE.test(char)) {
      return `the text has a byte with no character of ${encoding} (text character ${i + 1})`;
    }
  }
  return undefined;
}

interface Sample {
  sample: Buffer;
  /** The sample is the whole file. */
  complete: boolean;
  /** The whole file again, the sample included. */
  bytes: AsyncIterable<Buffer>;
}

async function sampleOf(source: AsyncIterable<Uint8Array>): Promise<Sample> {
  const iterator = source[Symbol.asyncIterator]();
  const parts: Buffer[] = [];
  let length = 0;
  let complete = false;
  while (length < SNIFF_BYTES) {
    const next = await iterator.next();
    if (next.done) {
      complete = true;
      break;
    }
    const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    parts.push(chunk);
    length += chunk.length;
  }
  const sample = Buffer.concat(parts, length);
  return { sample, complete, bytes: prepend(sample, iterator) };
}

/** The encoding a byte order mark at the start of `sample` names, if there is one. */
export function byteOrderMarkOf(sample: Buffer): SourceEncoding | undefined {
  if (sample[0] === 0xff && sample[1] === 0xfe) return 'utf-16le';
  if (sample[0] === 0xfe && sample[1] === 0xff) return 'utf-16be';
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) return 'utf-8';
  return undefined;
}

/**
 * Looks at the start of a byte stream and decides how to read it: as `asked` when the caller
 * named an encoding; else by a byte order mark (UTF-8, UTF-16); else UTF-16 recognised by its
 * zero bytes; else UTF-8 when the start is valid UTF-8; else the legacy code page that
 * `guessLegacyEncoding` finds. Throws InvalidCsvError for an empty or binary file, one that
 * is not text in the encoding asked for, and one that no candidate reads as text.
 */
export async function decodeCsvSource(source: AsyncIterable<Uint8Array>, asked?: SourceEncoding): Promise<DecodedSource> {
  const { sample, complete, bytes } = await sampleOf(source);
  const bom = byteOrderMarkOf(sample);
  const content = bom === 'utf-8' ? sample.subarray(3) : bom ? sample.subarray(2) : sample;
  // Zero bytes aside, so that a UTF-16 file of white space is empty too.
  if (complete && content.toString('latin1').replace(/\0/g, '').trim().length === 0) throw new InvalidCsvError('the file is empty');
  if (asked !== undefined) {
    const problem = unreadableIn(sample, asked, complete);
    if (problem !== undefined) {
      throw new InvalidCsvError(`the file cannot be read as ${asked}, the encoding asked for: ${problem}`);
    }
    return { encoding: asked, decision: { how: 'asked' }, chunks: decodeAs(bytes, asked) };
  }
  if (bom !== undefined) {
    return { encoding: bom, decision: bom === 'utf-8' ? { how: 'utf-8' } : { how: 'byte-order-mark' }, chunks: decodeAs(bytes, bom) };
  }
  const utf16 = utf16WithoutBomOf(sample, complete);
  if (utf16 !== undefined) {
    return {
      encoding: utf16.encoding,
      decision: { how: 'detected', confidence: utf16.confidence },
      chunks: decodeAs(bytes, utf16.encoding),
    };
  }
  if (sample.indexOf(0) !== -1) throw new InvalidCsvError('the file is not CSV text (it contains binary data)');
  if (isValidUtf8Prefix(sample, complete)) return { encoding: 'utf-8', decision: { how: 'utf-8' }, chunks: bytes };
  const guess = guessLegacyEncoding(sample, complete);
  if (guess === undefined) {
    throw new InvalidCsvError(
      `the file is not UTF-8, and none of the encodings we read (${SOURCE_ENCODINGS.join(', ')}) reads it as text without garbled characters; save it as UTF-8, or name its encoding in the 'encoding' field`,
    );
  }
  return { encoding: guess.encoding, decision: { how: 'detected', confidence: guess.confidence }, chunks: decodeAs(bytes, guess.encoding) };
}
