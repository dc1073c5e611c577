import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import type { SourceEncoding } from '../../lib/csv/decode.js';
import { contactId } from '../../lib/contacts/identity.js';
import { type ImportCheckpoint, type ImportOutcome, runImport } from '../../lib/import/pipeline.js';
import { chunksOf, MemoryWriter } from '../support/memory-writer.js';

function sampleCsv(rows: number): string {
  const lines = ['name,company,notes,type'];
  for (let i = 0; i < rows; i++) {
    if (i % 17 === 5) lines.push(`Bad ${i},x,,business`);
    else if (i % 23 === 7) lines.push(`"Multi ${i}",Zoë & Co,"line one\nline two, with comma",public`);
    else if (i % 29 === 3) lines.push('');
    else lines.push(`Person ${i},Company ${i % 5},Notes ${i},private`);
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** Runs an import that pauses every `pauseEvery` rows, resuming as the job runner does. */
async function importInSteps(bytes: Buffer, pauseEvery: number, writer: MemoryWriter, firstRun: { encoding?: SourceEncoding } = {}) {
  let checkpoint: ImportCheckpoint | undefined;
  let runs = 0;
  const rejected: number[] = [];
  for (;;) {
    runs++;
    let rowsThisRun = 0;
    const source = checkpoint?.encoding === 'utf-8' ? bytes.subarray(checkpoint.byteOffset) : bytes;
    const outcome: ImportOutcome = await runImport(chunksOf(source, 1000), {
      owner: 'o',
      writer,
      // As the job runner does: options of the first run only; a continuation has its checkpoint.
      ...(checkpoint ? { resumeFrom: checkpoint } : firstRun),
      shouldPause: () => ++rowsThisRun >= pauseEvery,
      onRejectedRow: (row) => rejected.push(row),
    });
    if (outcome.status === 'completed') return { report: outcome.report, runs, rejected };
    checkpoint = JSON.parse(JSON.stringify(outcome.checkpoint)) as ImportCheckpoint;
  }
}

/** The same file imported in one run and in runs of `pauseEvery` rows, each into its own store. */
async function importOnceAndInSteps(bytes: Buffer, pauseEvery: number) {
  const once = new MemoryWriter();
  const single = await importInSteps(bytes, Number.POSITIVE_INFINITY, once);
  const stepped = new MemoryWriter();
  const result = await importInSteps(bytes, pauseEvery, stepped);
  return { once, single, stepped, result };
}

describe('runImport pause and resume', () => {
  it('ends with the same contacts, report and rejected rows as one uninterrupted run (UTF-8, by byte offset)', async () => {
    const { once, single, stepped, result } = await importOnceAndInSteps(Buffer.from(sampleCsv(400), 'utf8'), 37);
    expect(result.runs).toBeGreaterThan(10);
    expect(result.report).toEqual(single.report);
    expect(stepped.writes.map((w) => [w.rowNumber, w.contact.id])).toEqual(once.writes.map((w) => [w.rowNumber, w.contact.id]));
    expect(result.rejected).toEqual(single.rejected);
    expect(result.report.total_rows).toBe(result.report.imported_rows + result.report.skipped_rows + result.report.failed_rows);
  });

  it('reads stored contacts in a resumed run, so rows can update what its earlier runs created', async () => {
    const writer = new MemoryWriter();
    const firstId = contactId('o', { name: 'Person 0', company: '' });
    const rows = Array.from({ length: 30 }, (_, i) => `,Person ${i},`);
    rows.push(`${firstId},Person 0,555`);
    const result = await importInSteps(Buffer.from(`id,name,cellphone\n${rows.join('\n')}\n`), 20, writer);
    expect(result.runs).toBe(2);
    // The first run found an empty phonebook and read nothing; the second finds its contacts.
    expect(writer.reads).toBeGreaterThan(0);
    expect(result.report).toMatchObject({ total_rows: 31, created_rows: 30, updated_rows: 1, skipped_rows: 0 });
    expect(writer.stored.get(`o#${firstId}`)).toMatchObject({ name: 'Person 0', cellphone: '555' });
  });

  it('resumes a Windows-1252 file by re-reading and skipping the rows already handled', async () => {
    const bytes = iconv.encode(sampleCsv(120), 'windows-1252');
    const { once, single, stepped, result } = await importOnceAndInSteps(bytes, 25);
    expect(result.runs).toBeGreaterThan(3);
    expect(result.report).toEqual(single.report);
    expect(result.report.error_messages[0]).toMatch(
      /^the file is not UTF-8; it was read as (windows-1252|iso-8859-1) \(detected, \d+% sure(; if its text looks wrong, name its encoding in the 'encoding' option)?\)$/,
    );
    expect(stepped.writes.map((w) => w.contact.company)).toEqual(once.writes.map((w) => w.contact.company));
    expect(stepped.writes.some((w) => w.contact.company === 'Zoë & Co')).toBe(true);
  });

  it('continues in the encoding the first run was asked for, which the checkpoint records', async () => {
    // KOI8-R bytes read as Windows-1251, as asked: detection would read them as KOI8-R.
    const bytes = iconv.encode(`name,company\n${Array.from({ length: 60 }, (_, i) => `Дмитрий ${i},ООО Ветер`).join('\n')}\n`, 'koi8-r');
    const asked = { encoding: 'windows-1251' as const };
    const once = new MemoryWriter();
    const single = await importInSteps(bytes, Number.POSITIVE_INFINITY, once, asked);
    const stepped = new MemoryWriter();
    const result = await importInSteps(bytes, 13, stepped, asked);
    expect(result.runs).toBeGreaterThan(3);
    expect(result.report).toEqual(single.report);
    expect(result.report.error_messages).toEqual(['the file is not UTF-8; it was read as windows-1251 (as asked)']);
    const asRead = iconv.decode(iconv.encode('ООО Ветер', 'koi8-r'), 'windows-1251');
    expect(new Set(stepped.writes.map((w) => w.contact.company))).toEqual(new Set([asRead]));
  });

  it('gives a checkpoint whose byte offset is where the next row starts', async () => {
    const csv = '\uFEFFname,notes\r\nZoë,"a\nb"\r\nNext,x\r\n';
    const bytes = Buffer.from(csv, 'utf8');
    const outcome = await runImport(chunksOf(bytes), { owner: 'o', writer: new MemoryWriter(), shouldPause: () => true });
    expect(outcome.status).toBe('paused');
    if (outcome.status !== 'paused') return;
    expect(outcome.checkpoint.nextRow).toBe(3);
    expect(bytes.subarray(outcome.checkpoint.byteOffset).toString('utf8')).toBe('Next,x\r\n');
    expect(outcome.checkpoint.header).toEqual(['name', 'notes']);
  });

  it('reports consistent checkpoints with all earlier writes finished', async () => {
    const writer = new MemoryWriter(25, new Set(), 2);
    const seen: Array<{ next: number; written: number }> = [];
    await runImport(chunksOf(`name\n${Array.from({ length: 100 }, (_, i) => `P${i}`).join('\n')}\n`), {
      owner: 'o',
      writer,
      checkpointEveryRows: 30,
      onCheckpoint: async (checkpoint) => {
        seen.push({ next: checkpoint.nextRow, written: writer.writes.length });
      },
    });
    expect(seen).toEqual([
      { next: 32, written: 30 },
      { next: 62, written: 60 },
      { next: 92, written: 90 },
    ]);
  });
});

describe('checkpoint cadence', () => {
  it('checkpoints on schedule even when the row that reaches the count is rejected', async () => {
    // Rows 2..301: every 10th data row is invalid, so the 10th, 20th... rows are all rejected.
    const rows = Array.from({ length: 300 }, (_, i) => ((i + 1) % 10 === 0 ? `Bad ${i},business` : `P${i},private`));
    const checkpoints: number[] = [];
    await runImport(chunksOf(`name,type\n${rows.join('\n')}\n`), {
      owner: 'o',
      writer: new MemoryWriter(),
      checkpointEveryRows: 100,
      onCheckpoint: async (checkpoint) => {
        checkpoints.push(checkpoint.nextRow);
      },
    });
    expect(checkpoints).toEqual([102, 202, 302]);
  });
});
