import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { type DecodedSource, decodeCsvSource, parseEncodingField, SOURCE_ENCODINGS } from '../../lib/csv/decode.js';
import { wordScoreOf } from '../../lib/csv/encoding-detection.js';
import { encodeSample, LEGACY_SAMPLES } from '../support/legacy-samples.js';
import { chunksOf } from '../support/memory-writer.js';

/** All the text a decoded source streams (UTF-8 stays bytes: decoded here, without its BOM). */
async function textOf(decoded: DecodedSource): Promise<string> {
  const parts: Array<Buffer | string> = [];
  for await (const chunk of decoded.chunks) parts.push(chunk);
  if (parts.every((part) => typeof part === 'string')) return parts.join('');
  return Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : part)))
    .toString('utf8')
    .replace(/^\uFEFF/, '');
}

const cases = LEGACY_SAMPLES.flatMap((sample) => sample.encodings.map((encoding) => ({ sample, encoding })));

describe('encoding detection on real-language phonebooks', () => {
  it.each(cases.map((c) => [c.sample.language, c.encoding, c] as const))(
    'reads %s in %s exactly as the UTF-8 original',
    async (_l, _e, c) => {
      // Chunks of 7 bytes cut multi-byte characters (Shift_JIS, GB18030) between chunks.
      const decoded = await decodeCsvSource(chunksOf(encodeSample(c.sample, c.encoding), 7));
      expect(await textOf(decoded)).toBe(c.sample.csv);
      expect(decoded.decision.how).toBe('detected');
      // Code pages that agree on every byte of this file read it the same; the one named must read it right.
      expect(iconv.decode(encodeSample(c.sample, c.encoding), decoded.encoding)).toBe(c.sample.csv);
    },
  );

  it('is sure of the code page when only one reading makes words', async () => {
    const russian = LEGACY_SAMPLES.find((s) => s.language === 'Russian');
    if (!russian) throw new Error('no Russian sample');
    const decoded = await decodeCsvSource(chunksOf(encodeSample(russian, 'koi8-r')));
    expect(decoded).toMatchObject({ encoding: 'koi8-r', decision: { how: 'detected', confidence: 1 } });
  });

  it.each([
    ['shift_jis', 'name\n山田太郎\n'],
    ['gb18030', 'name\n王伟,北京建筑\n'],
  ] as const)('reads a few CJK names in %s, too few for chardet to be sure of', async (encoding, csv) => {
    const decoded = await decodeCsvSource(chunksOf(iconv.encode(csv, encoding)));
    expect(decoded.encoding).toBe(encoding);
    expect(await textOf(decoded)).toBe(csv);
  });

  it('detects from the first 64 KiB of a larger file and decodes the rest the same way', async () => {
    const greek = LEGACY_SAMPLES.find((s) => s.language === 'Greek');
    if (!greek) throw new Error('no Greek sample');
    const rows = greek.csv.split('\r\n').slice(1, -1);
    const big = `${greek.csv}${Array.from({ length: 600 }, (_, i) => rows[i % rows.length]).join('\r\n')}\r\n`;
    const bytes = iconv.encode(big, 'windows-1253');
    expect(bytes.length).toBeGreaterThan(64 * 1024);
    const decoded = await decodeCsvSource(chunksOf(bytes, 4096));
    expect(await textOf(decoded)).toBe(big);
  });

  it.each([
    ['utf-16le', 'Russian'],
    ['utf-16be', 'Japanese'],
  ] as const)('recognises %s without a byte order mark (%s)', async (encoding, language) => {
    const sample = LEGACY_SAMPLES.find((s) => s.language === language);
    if (!sample) throw new Error(`no ${language} sample`);
    const decoded = await decodeCsvSource(chunksOf(iconv.encode(sample.csv, encoding, { addBOM: false }), 5));
    expect(decoded.encoding).toBe(encoding);
    expect(decoded.decision.how).toBe('detected');
    expect(await textOf(decoded)).toBe(sample.csv);
  });

  it.each(['utf-16le', 'utf-16be'] as const)('reads %s with a byte order mark by the mark', async (encoding) => {
    const decoded = await decodeCsvSource(chunksOf(iconv.encode('name\nZoë Ångström\n', encoding, { addBOM: true }), 3));
    expect(decoded).toMatchObject({ encoding, decision: { how: 'byte-order-mark' } });
    expect(await textOf(decoded)).toBe('name\nZoë Ångström\n');
  });

  it('refuses a file that no candidate reads as text, naming the problem', async () => {
    // Every byte over 0x7F between letters: whatever the code page, symbols and controls inside words.
    const highBytes = Array.from({ length: 128 }, (_, i) => [0x61 + (i % 26), 0x80 + i]).flat();
    const garbled = Buffer.concat([Buffer.from('name\n'), Buffer.from(highBytes), Buffer.from('\n')]);
    await expect(decodeCsvSource(chunksOf(garbled))).rejects.toMatchObject({
      status: 400,
      body: {
        message: 'invalid CSV file',
        error: expect.stringMatching(/^the file is not UTF-8, and none of the encodings we read \(utf-8, .*gb18030\) reads it as text/),
      },
    });
  });

  it('reads a file as the encoding asked for, whatever detection would say', async () => {
    const bytes = iconv.encode('name\nДмитрий\n', 'windows-1251');
    const decoded = await decodeCsvSource(chunksOf(bytes), 'windows-1252');
    expect(decoded).toMatchObject({ encoding: 'windows-1252', decision: { how: 'asked' } });
    expect(await textOf(decoded)).toBe('name\nÄìèòðèé\n');
  });

  it('refuses a file with a byte that the encoding asked for has no character for', async () => {
    const bytes = Buffer.from([...Buffer.from('name\nab'), 0x81, 0x0a]);
    await expect(decodeCsvSource(chunksOf(bytes), 'windows-1252')).rejects.toMatchObject({
      body: {
        error:
          'the file cannot be read as windows-1252, the encoding asked for: the text has a byte with no character of windows-1252 (text character 8)',
      },
    });
  });
});

describe('word score', () => {
  it.each([
    ['Łukasz Żółć', 1],
    ['Дмитрий Иванов', 1],
    ['Jürgen Müller, Straße', 1],
    ['20°C, Acme®', 1],
    ['„Müller“ «Bonjour»', 1],
  ])('reads %s as words', (text, score) => {
    expect(wordScoreOf(text)).toBe(score);
  });

  it.each([
    ['£ukasz ¯ó³æ', 'Windows-1250 read as Windows-1252'],
    ['Äìèòðèé Èâàíîâ', 'Windows-1251 read as Windows-1252'],
    ['дНИРПХИ', 'KOI8-R read as Windows-1251'],
    ['Јukasz', 'Windows-1250 read as Windows-1251'],
    ['MŸller SchŠfer', 'Mac Roman read as Windows-1252'],
  ])('scores %s (%s) as garbled', (text) => {
    expect(wordScoreOf(text)).toBeLessThan(0.5);
  });
});

describe('parseEncodingField', () => {
  it.each([
    ['windows-1251', 'windows-1251'],
    ['CP1251', 'windows-1251'],
    ['Windows1250', 'windows-1250'],
    ['latin2', 'iso-8859-2'],
    ['ISO_8859-15', 'iso-8859-15'],
    ['KOI8-R', 'koi8-r'],
    ['MacRoman', 'macintosh'],
    ['Shift_JIS', 'shift_jis'],
    ['sjis', 'shift_jis'],
    ['UTF8', 'utf-8'],
    [' utf-16le ', 'utf-16le'],
  ])('reads %s as %s', (raw, encoding) => {
    expect(parseEncodingField(raw)).toBe(encoding);
  });

  it('means "detect" when empty or absent', () => {
    expect(parseEncodingField(undefined)).toBeUndefined();
    expect(parseEncodingField(' ')).toBeUndefined();
  });

  it.each(['ebcdic', 'toString', '__proto__', 'utf-32'])('rejects %s, naming the accepted encodings', (raw) => {
    expect(() => parseEncodingField(raw)).toThrow(
      expect.objectContaining({
        status: 400,
        body: { message: 'invalid encoding', error: `'encoding' must be one of ${SOURCE_ENCODINGS.join(', ')}, got '${raw}'` },
      }),
    );
  });

  it('accepts every name it lists', () => {
    for (const name of SOURCE_ENCODINGS) expect(parseEncodingField(name)).toBe(name);
  });
});
