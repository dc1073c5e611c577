import { InvalidCsvError } from '../errors.js';

export type SourceEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

export interface DecodedSource {
  encoding: SourceEncoding;
  /** Chunks ready for csv-parse: raw UTF-8 bytes (the fast path) or decoded text. */
  chunks: AsyncIterable<Buffer | string>;
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

function containsNul(bytes: Buffer): boolean {
  return bytes.indexOf(0) !== -1;
}

async function* prepend(first: Buffer, rest: AsyncIterator<Uint8Array>): AsyncIterable<Buffer> {
  if (first.length > 0) yield first;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
  }
}

async function* decodeWith(encoding: string, bytes: AsyncIterable<Buffer>): AsyncIterable<string> {
  const decoder = new TextDecoder(encoding);
  for await (const chunk of bytes) {
    const text = decoder.decode(chunk, { stream: true });
    if (text.length > 0) yield text;
  }
  const tail = decoder.decode();
  if (tail.length > 0) yield tail;
}

/**
 * Looks at the start of a byte stream and decides how to read it: UTF-8 (BOM or not),
 * UTF-16 with a BOM, or Windows-1252 when the start is not valid UTF-8 (what Excel on
 * Windows writes). Throws InvalidCsvError for an empty or binary file.
 */
export async function decodeCsvSource(source: AsyncIterable<Uint8Array>): Promise<DecodedSource> {
  const iterator = source[Symbol.asyncIterator]();
  const sampleParts: Buffer[] = [];
  let sampleLength = 0;
  let exhausted = false;
  while (sampleLength < SNIFF_BYTES) {
    const next = await iterator.next();
    if (next.done) {
      exhausted = true;
      break;
    }
    const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    sampleParts.push(chunk);
    sampleLength += chunk.length;
  }
  const sample = Buffer.concat(sampleParts, sampleLength);
  const bytes = prepend(sample, iterator);

  if (sample[0] === 0xff && sample[1] === 0xfe) {
    return { encoding: 'utf-16le', chunks: decodeWith('utf-16le', bytes) };
  }
  if (sample[0] === 0xfe && sample[1] === 0xff) {
    return { encoding: 'utf-16be', chunks: decodeWith('utf-16be', bytes) };
  }
  const hasUtf8Bom = sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf;
  const content = hasUtf8Bom ? sample.subarray(3) : sample;
  if (content.toString('latin1').trim().length === 0 && exhausted) {
    throw new InvalidCsvError('the file is empty');
  }
  if (containsNul(sample)) {
    throw new InvalidCsvError('the file is not CSV text (it contains binary data)');
  }
  if (isValidUtf8Prefix(sample, exhausted)) return { encoding: 'utf-8', chunks: bytes };
  return { encoding: 'windows-1252', chunks: decodeWith('windows-1252', bytes) };
}
