import iconv from 'iconv-lite';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceEncoding } from '../../lib/csv/decode.js';
import { importCsv, ownContacts } from '../support/contacts.js';
import { createUpload, putUpload, waitForJob } from '../support/imports.js';
import { encodeSample, LEGACY_SAMPLES, type LegacySample } from '../support/legacy-samples.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

// One second of work per invocation of the import function, as in import-resilience: the
// large files below outlast it, so their jobs pause and continue from a checkpoint.
let api: TestStack;
beforeAll(async () => {
  api = await startTestStack({ env: { IMPORT_TIME_BUDGET_MS: '1000', IMPORT_CHECKPOINT_ROWS: '300', IMPORT_ROWS_PER_INVOCATION: '2000' } });
});
afterAll(async () => {
  await api?.close();
});

type Row = Record<string, string>;

/** The rows of a UTF-8 original, keyed by its header: what the stored contacts must hold. */
function rowsOf(csv: string): Row[] {
  return parse(csv, { columns: true }) as Row[];
}

/** The owner's contacts, each cut to the columns of `expected`, sorted by name. */
async function storedAs(owner: string, expected: readonly Row[]): Promise<Row[]> {
  const columns = Object.keys(expected[0] ?? {});
  const contacts = await ownContacts(api, owner);
  return contacts.map((contact) => Object.fromEntries(columns.map((column) => [column, contact[column] ?? '']))).sort(byName);
}

const byName = (a: Row, b: Row): number => ((a.name ?? '') < (b.name ?? '') ? -1 : 1);

const NOTE =
  /^the file is not UTF-8; it was read as (\S+) \(detected, \d+% sure(; if its text looks wrong, name its encoding in the 'encoding' option)?\)$/;

/** The note names a code page that reads these bytes as the original (code pages agreeing on every byte of a file are the same reading). */
function expectDetectedNote(messages: unknown, bytes: Buffer, sample: LegacySample): void {
  const first = (messages as string[])[0] ?? '';
  const named = NOTE.exec(first)?.[1];
  expect(first).toMatch(NOTE);
  expect(iconv.decode(bytes, named as SourceEncoding)).toBe(sample.csv);
}

/** Every byte over 0x7F between letters: whatever the code page, symbols and controls inside words. */
const GARBLED = Buffer.concat([
  Buffer.from('name\n'),
  Buffer.from(Array.from({ length: 128 }, (_, i) => [0x61 + (i % 26), 0x80 + i]).flat()),
  Buffer.from('\n'),
]);

const cases = LEGACY_SAMPLES.flatMap((sample) => sample.encodings.map((encoding) => ({ sample, encoding })));
const ownerOf = (route: string, sample: LegacySample, encoding: string) => `${route}.${sample.language}.${encoding}`.toLowerCase();

describe('legacy code pages through the synchronous import', () => {
  it.each(cases.map((c) => [c.sample.language, c.encoding, c] as const))(
    'stores %s in %s exactly as the UTF-8 original',
    async (_l, _e, c) => {
      const owner = ownerOf('sync', c.sample, c.encoding);
      const bytes = encodeSample(c.sample, c.encoding);
      const { status, body } = await importCsv(api, await api.userToken(owner), bytes);
      expect(status).toBe(200);
      expect(body).toMatchObject({ total_rows: 8, imported_rows: 8, skipped_rows: 0, failed_rows: 0 });
      expectDetectedNote(body.error_messages, bytes, c.sample);
      const expected = rowsOf(c.sample.csv).sort(byName);
      expect(await storedAs(owner, expected)).toEqual(expected);
    },
  );

  it.each(['utf-16le', 'utf-16be'] as const)(
    'stores a %s file without a byte order mark exactly as the UTF-8 original',
    async (encoding) => {
      const bulgarian = LEGACY_SAMPLES.find((s) => s.language === 'Bulgarian');
      if (!bulgarian) throw new Error('no Bulgarian sample');
      const owner = `sync.${encoding}`;
      const { status, body } = await importCsv(api, await api.userToken(owner), iconv.encode(bulgarian.csv, encoding, { addBOM: false }));
      expect(status).toBe(200);
      expect(body).toMatchObject({ total_rows: 8, imported_rows: 8 });
      expect(body.error_messages).toEqual([
        expect.stringMatching(new RegExp(`^the file is not UTF-8; it was read as ${encoding} \\(detected, \\d+% sure\\)$`)),
      ]);
      const expected = rowsOf(bulgarian.csv).sort(byName);
      expect(await storedAs(owner, expected)).toEqual(expected);
    },
  );

  it('reads the file in the encoding of the form field encoding, and says it was asked', async () => {
    const ukrainian = LEGACY_SAMPLES.find((s) => s.language === 'Ukrainian');
    if (!ukrainian) throw new Error('no Ukrainian sample');
    const owner = 'sync.asked.koi8u';
    const { status, body } = await importCsv(api, await api.userToken(owner), encodeSample(ukrainian, 'koi8-u'), { encoding: 'KOI8-U' });
    expect(status).toBe(200);
    expect(body.error_messages).toEqual(['the file is not UTF-8; it was read as koi8-u (as asked)']);
    const expected = rowsOf(ukrainian.csv).sort(byName);
    expect(await storedAs(owner, expected)).toEqual(expected);
  });

  it('answers 400 naming the accepted encodings for an unknown one, with nothing written', async () => {
    const owner = 'sync.unknown.encoding';
    const { status, body } = await importCsv(api, await api.userToken(owner), 'name\nAda\n', { encoding: 'ebcdic' });
    expect(status).toBe(400);
    expect(body).toEqual({
      message: 'invalid encoding',
      error: expect.stringMatching(/^'encoding' must be one of utf-8, utf-16le, .*, got 'ebcdic'$/),
    });
    expect(await ownContacts(api, owner)).toEqual([]);
  });

  it('answers 400 for a file that no encoding reads as text, instead of storing garbled names', async () => {
    const owner = 'sync.garbled';
    const { status, body } = await importCsv(api, await api.userToken(owner), GARBLED);
    expect(status).toBe(400);
    expect(body).toMatchObject({
      message: 'invalid CSV file',
      error: expect.stringContaining('reads it as text without garbled characters'),
    });
    expect(await ownContacts(api, owner)).toEqual([]);
  });
});

describe('legacy code pages through import jobs (presigned upload)', () => {
  it.each(cases.map((c) => [c.sample.language, c.encoding, c] as const))(
    'stores %s in %s exactly as the UTF-8 original',
    async (_l, _e, c) => {
      const owner = ownerOf('job', c.sample, c.encoding);
      const token = await api.userToken(owner);
      const bytes = encodeSample(c.sample, c.encoding);
      const created = await createUpload(api, token, bytes.length);
      expect((await putUpload(created.upload_url, bytes)).status).toBe(200);
      const job = await waitForJob(api, token, created.import_id);
      expect(job.status).toBe('completed');
      expect(job.report).toMatchObject({ total_rows: 8, imported_rows: 8, skipped_rows: 0, failed_rows: 0 });
      expectDetectedNote(job.report?.error_messages, bytes, c.sample);
      const expected = rowsOf(c.sample.csv).sort(byName);
      expect(await storedAs(owner, expected)).toEqual(expected);
    },
  );

  it('fails a job whose file no encoding reads as text, saying why, with nothing written', async () => {
    const owner = 'job.garbled';
    const token = await api.userToken(owner);
    const created = await createUpload(api, token, GARBLED.length);
    expect((await putUpload(created.upload_url, GARBLED)).status).toBe(200);
    const job = await waitForJob(api, token, created.import_id);
    expect(job.status).toBe('failed');
    expect(job.failure_reason).toMatch(
      /^invalid CSV file: the file is not UTF-8, and none of the encodings we read \(.*\) reads it as text without garbled characters/,
    );
    expect(await ownContacts(api, owner)).toEqual([]);
  });

  /** The sample's contacts repeated to `rows` rows, each name made distinct by a number. */
  function largeOf(sample: LegacySample, rows: number): string {
    const [header, ...contacts] = sample.csv.trimEnd().split('\r\n');
    const lines = Array.from({ length: rows }, (_, i) => {
      const line = contacts[i % contacts.length] ?? '';
      const comma = line.indexOf(',');
      return `${line.slice(0, comma)} ${i + 1}${line.slice(comma)}`;
    });
    return `${[header, ...lines].join('\r\n')}\r\n`;
  }

  it.each([
    ['Russian', 'windows-1251'],
    ['Japanese', 'shift_jis'],
  ] as const)(
    'pauses and continues a large %s file in %s, decoding every run alike',
    async (language, encoding) => {
      const sample = LEGACY_SAMPLES.find((s) => s.language === language);
      if (!sample) throw new Error(`no ${language} sample`);
      const owner = `job.large.${encoding}`;
      const token = await api.userToken(owner);
      const csv = largeOf(sample, 5000);
      const bytes = iconv.encode(csv, encoding);
      const created = await createUpload(api, token, bytes.length);
      expect((await putUpload(created.upload_url, bytes)).status).toBe(200);
      const job = await waitForJob(api, token, created.import_id, 240_000);
      expect(job.status).toBe('completed');
      // 2,000 rows per invocation at most (IMPORT_ROWS_PER_INVOCATION): 5,000 rows take three.
      expect(job.invocations).toBeGreaterThanOrEqual(3);
      expect(job.report).toMatchObject({ total_rows: 5000, imported_rows: 5000, skipped_rows: 0, failed_rows: 0 });
      expect(job.report?.error_messages).toEqual([
        expect.stringMatching(new RegExp(`^the file is not UTF-8; it was read as ${encoding} \\(detected, \\d+% sure\\)$`)),
      ]);
      const expected = rowsOf(csv).sort(byName);
      expect(await storedAs(owner, expected)).toEqual(expected);
    },
    300_000,
  );
});
