import { replay } from '../streams/replay.js';
import { BadRequestError } from '../errors.js';
import { DELIMITERS } from '../import/option-values.js';

export type Delimiter = (typeof DELIMITERS)[number];

const CANDIDATES: readonly Delimiter[] = DELIMITERS;

/** How far into a file the header row is looked for when guessing the delimiter. */
const SNIFF_CHARS = 64 * 1024;

/**
 * Counts each candidate delimiter in the first record (outside quotes) and picks the most
 * frequent; a tie or no candidate at all means a comma. The header is the row to look at: its
 * cells are short names without the commas free text in notes can hold.
 */
export function detectDelimiter(sample: string): Delimiter {
  const counts = new Map<Delimiter, number>(CANDIDATES.map((d) => [d, 0]));
  let quoted = false;
  for (const char of sample) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === '\n' || char === '\r')) break;
    else if (!quoted && counts.has(char as Delimiter)) counts.set(char as Delimiter, (counts.get(char as Delimiter) ?? 0) + 1);
  }
  let best: Delimiter = ',';
  for (const candidate of CANDIDATES) {
    if ((counts.get(candidate) ?? 0) > (counts.get(best) ?? 0)) best = candidate;
  }
  return best;
}

const NAMED: Readonly<Record<string, Delimiter>> = {
  ',': ',',
  comma: ',',
  ';': ';',
  semicolon: ';',
  '\t': '\t',
  '\\t': '\t',
  tab: '\t',
};

/**
 * Reads the `delimiter` form field: `,` `;` or a tab, also spelled `comma`, `semicolon`, `tab`
 * or `\t`. Empty or absent means "detect". Throws BadRequestError for anything else.
 */
export function parseDelimiterField(raw: string | undefined): Delimiter | undefined {
  if (raw === undefined || raw === '') return undefined;
  // Own keys only: a field of 'toString' or '__proto__' must not find Object.prototype's.
  const named = (key: string) => (Object.hasOwn(NAMED, key) ? NAMED[key] : undefined);
  const delimiter = named(raw) ?? named(raw.trim().toLowerCase());
  if (delimiter === undefined) {
    throw new BadRequestError('invalid delimiter', `'delimiter' must be ',', ';' or tab (also 'comma', 'semicolon', 'tab'), got '${raw}'`);
  }
  return delimiter;
}

/**
 * Decides the delimiter of a decoded stream: the forced one, or the one detected in the
 * header row. Returns the same chunks, replayed from the start.
 */
export async function sniffDelimiter(
  chunks: AsyncIterable<Buffer | string>,
  forced: Delimiter | undefined,
): Promise<{ delimiter: Delimiter; chunks: AsyncIterable<Buffer | string> }> {
  if (forced !== undefined) return { delimiter: forced, chunks };
  const iterator = chunks[Symbol.asyncIterator]();
  const seen: Array<Buffer | string> = [];
  let sample = '';
  while (sample.length < SNIFF_CHARS && !/[\r\n]/.test(sample)) {
    const next = await iterator.next();
    if (next.done) break;
    seen.push(next.value);
    // Delimiters and quotes are ASCII, which UTF-8 never uses inside a multi-byte character,
    // so reading raw bytes as latin1 is enough to find them.
    sample += typeof next.value === 'string' ? next.value : next.value.toString('latin1');
  }
  return { delimiter: detectDelimiter(sample), chunks: replay(seen, iterator) };
}
