import { analyse, type Match } from 'chardet';
import iconv from 'iconv-lite';
import type { SourceEncoding } from './decode.js';

/**
 * Which legacy encoding a file that is not UTF-8 is in. chardet (ICU's detectors) ranks the
 * encodings it knows by byte statistics and per-language n-grams; it is reliable for the
 * multi-byte encodings and for telling scripts apart on enough text, but on the short cells of
 * a phonebook it often hesitates between code pages of one script, and it knows neither
 * ISO-8859-15, KOI8-U nor Mac Roman. So every single-byte candidate is also decoded and scored
 * on whether its text reads as words (see `wordScoreOf`), and chardet's ranking only decides
 * between candidates that read equally well.
 */
export interface EncodingGuess {
  encoding: SourceEncoding;
  /** 0–1: see `shareOf`. */
  confidence: number;
}

/** The single-byte code pages we try, in the order that decides a tie no detector breaks. */
const SINGLE_BYTE: readonly SourceEncoding[] = [
  'windows-1252',
  'windows-1250',
  'windows-1251',
  'windows-1253',
  'windows-1254',
  'windows-1257',
  'iso-8859-1',
  'iso-8859-15',
  'iso-8859-2',
  'iso-8859-5',
  'iso-8859-7',
  'iso-8859-9',
  'koi8-r',
  'koi8-u',
  'macintosh',
];

/**
 * The multi-byte encodings, tried only when chardet names them: alongside the single-byte
 * code pages from this confidence on (ICU's scale: 10 means "valid bytes but no common
 * character seen"), below it only when no single-byte code page reads the file, since the
 * bytes of a single-byte file often pass as valid Shift_JIS or GB18030.
 */
const MULTI_BYTE: ReadonlyMap<string, SourceEncoding> = new Map([
  ['Shift_JIS', 'shift_jis'],
  ['GB18030', 'gb18030'],
]);
const MIN_MULTI_BYTE_CONFIDENCE = 50;

/** Below this word score the best decoding is still garbled: the file is refused, not guessed. */
const MIN_WORD_SCORE = 0.8;

/** Word scores closer than this are a tie, which chardet's ranking breaks. */
const TIE = 0.005;

/** chardet's names → ours (its ISO and windows names both occur: it says windows-125x when C1 bytes are present). */
function candidateOf(match: Match): SourceEncoding | undefined {
  const multi = MULTI_BYTE.get(match.name);
  if (multi !== undefined) return multi;
  const name = match.name.toLowerCase() as SourceEncoding;
  return SINGLE_BYTE.includes(name) ? name : undefined;
}

/**
 * The sample without a character cut at its end: up to its last line break (a byte that is a
 * line feed in every candidate, never part of a multi-byte character). A complete file is kept whole.
 */
function wholeCharactersOf(sample: Buffer, complete: boolean): Buffer {
  if (complete) return sample;
  const lastLineEnd = sample.lastIndexOf(0x0a);
  return lastLineEnd > 0 ? sample.subarray(0, lastLineEnd + 1) : sample;
}

interface Candidate {
  encoding: SourceEncoding;
  text: string;
  score: number;
  /** chardet's confidence, 0–100, in this reading of the sample (whichever code page it named for it). */
  detector: number;
  /** chardet's confidence in this very code page; 0 when it did not name it. */
  named: number;
}

/**
 * Guesses the encoding of a sample that is not UTF-8 (nor UTF-16 with a BOM), or returns
 * undefined when no candidate reads it as text. `complete` says the sample is the whole file.
 */
export function guessLegacyEncoding(sample: Buffer, complete: boolean): EncodingGuess | undefined {
  const bytes = wholeCharactersOf(sample, complete);
  const detector = new Map<SourceEncoding, number>();
  for (const match of analyse(bytes)) {
    const candidate = candidateOf(match);
    if (candidate !== undefined && !detector.has(candidate)) detector.set(candidate, match.confidence);
  }
  const multiByte = [...MULTI_BYTE.values()].filter((multi) => (detector.get(multi) ?? 0) > 0);
  const sure = multiByte.filter((multi) => (detector.get(multi) ?? 0) >= MIN_MULTI_BYTE_CONFIDENCE);
  return (
    chooseAmong(bytes, [...sure, ...SINGLE_BYTE], detector) ??
    // A few CJK names give chardet too few characters to be sure; when no single-byte code
    // page reads the file either, the multi-byte readings it named at all are tried.
    chooseAmong(
      bytes,
      multiByte.filter((multi) => !sure.includes(multi)),
      detector,
    )
  );
}

function chooseAmong(
  bytes: Buffer,
  tried: readonly SourceEncoding[],
  detector: ReadonlyMap<SourceEncoding, number>,
): EncodingGuess | undefined {
  if (tried.length === 0) return undefined;
  const candidates = spreadAcrossEqualDecodings(
    tried.map((encoding) => {
      const text = iconv.decode(bytes, encoding);
      const named = detector.get(encoding) ?? 0;
      return { encoding, text, score: wordScoreOf(text), detector: named, named };
    }),
  );
  const best = Math.max(...candidates.map((c) => c.score));
  if (best < MIN_WORD_SCORE) return undefined;
  // The readings that make words as well as the best; chardet picks among them, preferring
  // the very code page it named over one that only reads the same.
  const readable = candidates.filter((c) => c.score >= best - TIE);
  const chosen = [...readable].sort((a, b) => b.detector - a.detector || b.named - a.named)[0];
  if (chosen === undefined) return undefined;
  return { encoding: chosen.encoding, confidence: shareOf(chosen, readable) };
}

/**
 * How sure the choice is: its share of chardet's confidence among the distinct readings that
 * make words (1 when no other reading does; equal shares when chardet named none of them).
 */
function shareOf(chosen: Candidate, readable: readonly Candidate[]): number {
  const byText = new Map<string, number>();
  for (const c of readable) byText.set(c.text, c.detector);
  const total = [...byText.values()].reduce((sum, d) => sum + d, 0);
  return total === 0 ? 1 / byText.size : chosen.detector / total;
}

/**
 * Code pages that decode this sample to the same text are one answer: chardet names only one
 * of them (ISO-8859-1 for text without C1 bytes, say), so its confidence counts for each.
 * Order (and so the tie order of SINGLE_BYTE) is kept.
 */
function spreadAcrossEqualDecodings(candidates: Candidate[]): Candidate[] {
  const byText = new Map<string, number>();
  for (const c of candidates) byText.set(c.text, Math.max(byText.get(c.text) ?? 0, c.detector));
  return candidates.map((c) => ({ ...c, detector: byText.get(c.text) ?? c.detector }));
}

/** Characters that are fine between or before letters: quotes, dashes, spaces, Spanish ¿¡. */
const WORD_PUNCTUATION = /[\p{Pi}\p{Pf}\p{Ps}\p{Pe}\p{Pd}\p{Zs}\u00b7\u00bf\u00a1\u2026]/u;
const LETTER = /[\p{L}\p{M}]/u;
const DIGIT = /[0-9]/;
const UNREADABLE = /[\p{Cc}\p{Cn}\p{Co}\uFFFD]/u;
const CASE_FLIP = /\p{Ll}\p{Lu}/u;
/** A capital, then a non-ASCII capital, then lower case: `MŸller` (Mac Roman read as Windows-1252). */
const SECOND_CAPITAL = /\p{Lu}(?=[\u0080-\uFFFF])\p{Lu}\p{Ll}{2}/u;
const NON_ASCII = /[\u0080-\uFFFF]/;
/** Cells are split into words at CSV structure and white space. */
const TOKEN = /[^\s,;"]+/g;

type Script = 'latin' | 'cyrillic' | 'greek' | 'cjk' | 'other';

/** Scripts of the characters met so far: a sample has few distinct ones, and Unicode property tests are slow. */
const scripts = new Map<string, Script | undefined>();

function scriptOf(char: string): Script | undefined {
  if (scripts.has(char)) return scripts.get(char);
  const script = uncachedScriptOf(char);
  // Bounded by the characters of the BMP and the candidates' repertoires: at most a few thousand in practice.
  scripts.set(char, script);
  return script;
}

function uncachedScriptOf(char: string): Script | undefined {
  if (!LETTER.test(char)) return undefined;
  if (/\p{Script=Latin}/u.test(char)) return 'latin';
  if (/\p{Script=Cyrillic}/u.test(char)) return 'cyrillic';
  if (/\p{Script=Greek}/u.test(char)) return 'greek';
  if (/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u.test(char)) return 'cjk';
  return /\p{M}/u.test(char) ? undefined : 'other';
}

/** Latin mixes with CJK in real words (JR東日本, Tシャツ); Latin with Cyrillic or Greek only in mojibake. */
function scriptsClash(scripts: Set<Script>): boolean {
  const alphabets = ['latin', 'cyrillic', 'greek'].filter((s) => scripts.has(s as Script)).length;
  return alphabets > 1 || (scripts.has('cjk') && (scripts.has('cyrillic') || scripts.has('greek'))) || scripts.has('other');
}

/**
 * Whether a word with non-ASCII characters looks like a real word or like text read in the
 * wrong code page: an unreadable character, two alphabets in one word (`Јukasz`), lower case
 * followed by upper case (`дНИРПХИ`, KOI8-R read as Windows-1251) or a second capital
 * (`MŸller`), a symbol inside or at the
 * start of a word (`£ukasz ¯ó³æ`), or a long run of accented Latin letters (`Äìèòðèé`,
 * Cyrillic read as Latin: no Latin-script language strings five accented letters together).
 */
function isGarbled(word: string): boolean {
  if (UNREADABLE.test(word)) return true;
  if (SECOND_CAPITAL.test(word)) return true;
  const chars = [...word];
  const scripts = new Set<Script>();
  let accentedRun = 0;
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i] as string;
    const script = scriptOf(char);
    if (script !== undefined) scripts.add(script);
    const nonAscii = NON_ASCII.test(char);
    accentedRun = script === 'latin' && nonAscii ? accentedRun + 1 : 0;
    if (accentedRun >= 5) return true;
    if (nonAscii && script === undefined && !WORD_PUNCTUATION.test(char) && !/\p{M}/u.test(char)) {
      const next = chars[i + 1];
      const previous = chars[i - 1];
      if (next !== undefined && LETTER.test(next) && (previous === undefined || !DIGIT.test(previous))) return true;
    }
    const pair = char + (chars[i + 1] ?? '');
    if (CASE_FLIP.test(pair) && NON_ASCII.test(pair)) return true;
  }
  return scriptsClash(scripts);
}

/**
 * The share of the non-ASCII characters of `text` that stand in words that read as real
 * words (1 when there are none). What differs between candidate code pages is only how they
 * read the bytes over 0x7F, so only those are counted.
 * @internal exported for the tests
 */
export function wordScoreOf(text: string): number {
  let nonAscii = 0;
  let garbled = 0;
  for (const [word] of text.matchAll(TOKEN)) {
    if (!NON_ASCII.test(word)) continue;
    let count = 0;
    for (const char of word) if (NON_ASCII.test(char)) count++;
    nonAscii += count;
    if (isGarbled(word)) garbled += count;
  }
  return nonAscii === 0 ? 1 : Math.max(0, 1 - garbled / nonAscii);
}
