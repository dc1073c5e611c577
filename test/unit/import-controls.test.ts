import { describe, expect, it } from 'vitest';
import { contactId } from '../../lib/contacts/identity.js';
import { type ImportCheckpoint, type ImportOptions, type SeenContacts, importContacts, runImport } from '../../lib/import/pipeline.js';
import { type ImportReport, reportStatus } from '../../lib/import/report.js';
import { CSV_DUPLICATE, RowRules } from '../../lib/import/row-rules.js';
import { chunksOf, MemoryWriter } from '../support/memory-writer.js';

type Controls = Pick<ImportOptions, 'emptyCells' | 'mode' | 'dryRun' | 'origin'>;

async function run(csv: string, writer: MemoryWriter, controls: Controls = {}): Promise<ImportReport> {
  const report = await importContacts(chunksOf(csv), { owner: 'alice', writer, ...controls });
  expect(report.total_rows).toBe(report.imported_rows + report.failed_rows + report.skipped_rows);
  return report;
}

const stored = (writer: MemoryWriter, name: string, company = '') => writer.stored.get(`alice#${contactId('alice', { name, company })}`);

describe('empty_cells', () => {
  it('keep: a blank cell leaves the stored value, a filled one still replaces it', async () => {
    const writer = new MemoryWriter();
    await run('name,cellphone,workemail,type\nAda,1,ada@example.org,public\n', writer);
    const report = await run('name,cellphone,workemail,type\nAda,,ada@new.example.org,\n', writer, { emptyCells: 'keep' });
    expect(report).toMatchObject({ updated_rows: 1 });
    expect(stored(writer, 'Ada')).toMatchObject({ cellphone: '1', workemail: 'ada@new.example.org', type: 'public' });
  });

  it('keep: a row of blanks but its name changes nothing', async () => {
    const writer = new MemoryWriter();
    await run('name,cellphone,notes\nAda,1,n\n', writer);
    const report = await run('name,cellphone,notes\nAda,,\n', writer, { emptyCells: 'keep' });
    expect(report).toMatchObject({ imported_rows: 1, unchanged_rows: 1 });
    expect(stored(writer, 'Ada')).toMatchObject({ cellphone: '1', notes: 'n' });
  });

  it('keep: a blank name in a row with an id keeps the stored name instead of failing the row', async () => {
    const writer = new MemoryWriter();
    await run('name,cellphone\nAda,1\n', writer);
    const id = contactId('alice', { name: 'Ada', company: '' });
    expect(await run(`id,name,cellphone\n${id},,2\n`, writer, { emptyCells: 'keep' })).toMatchObject({ updated_rows: 1, skipped_rows: 0 });
    expect(writer.stored.get(`alice#${id}`)).toMatchObject({ name: 'Ada', cellphone: '2' });
  });

  it('unset (the default): a blank cell clears the stored value', async () => {
    const writer = new MemoryWriter();
    await run('name,cellphone,type\nAda,1,public\n', writer);
    await run('name,cellphone,type\nAda,,\n', writer, { emptyCells: 'unset' });
    expect(stored(writer, 'Ada')).toMatchObject({ cellphone: '', type: 'private' });
  });
});

describe('mode', () => {
  it('create_only: stored contacts are left alone and counted apart, new ones created', async () => {
    const writer = new MemoryWriter();
    await run('name,cellphone\nAda,1\n', writer);
    const report = await run('name,cellphone\nAda,99\nGrace,2\n', writer, { mode: 'create_only' });
    expect(report).toMatchObject({ total_rows: 2, imported_rows: 1, created_rows: 1, skipped_rows: 1, existing_rows: 1 });
    expect(report.error_messages).toEqual(['Row 2: contact already exists, left alone (mode create_only)']);
    expect(stored(writer, 'Ada')?.cellphone).toBe('1');
    expect(stored(writer, 'Grace')?.cellphone).toBe('2');
  });

  it('create_only: a file whose contacts all exist is answered 200, not as a rejected file', async () => {
    const writer = new MemoryWriter();
    await run('name\nAda\n', writer);
    const report = await run('name\nAda\n', writer, { mode: 'create_only' });
    expect(report).toMatchObject({ imported_rows: 0, skipped_rows: 1, existing_rows: 1 });
    expect(reportStatus(report)).toBe(200);
  });

  it('create_only with an origin (a scheduled source) stamps the contact left alone, values untouched', async () => {
    const writer = new MemoryWriter();
    await run('name,cellphone\nAda,1\n', writer);
    await run('name,cellphone\nAda,99\n', writer, { mode: 'create_only', origin: { importId: 'i2', sourceId: 's' } });
    const last = writer.writes.at(-1);
    expect(last?.origin).toEqual({ importId: 'i2', sourceId: 's' });
    expect(last?.contact.cellphone).toBe('1');
  });

  it('update_only: rows matching no stored contact are skipped with a message, matching ones updated', async () => {
    const writer = new MemoryWriter();
    await run('name,cellphone\nAda,1\n', writer);
    const report = await run('name,cellphone\nAda,99\nGrace,2\n', writer, { mode: 'update_only' });
    expect(report).toMatchObject({ total_rows: 2, imported_rows: 1, updated_rows: 1, skipped_rows: 1, unmatched_rows: 1 });
    expect(report.error_messages).toEqual(['Row 3: no stored contact matches this row, nothing created (mode update_only)']);
    expect(stored(writer, 'Ada')?.cellphone).toBe('99');
    expect(stored(writer, 'Grace')).toBeUndefined();
  });

  it('update_only into an empty phonebook creates nothing', async () => {
    const writer = new MemoryWriter();
    const report = await run('name\nAda\nGrace\n', writer, { mode: 'update_only' });
    expect(report).toMatchObject({ imported_rows: 0, skipped_rows: 2, unmatched_rows: 2 });
    expect(writer.writes).toEqual([]);
  });

  it('upsert (the default) reports no left-alone counts', async () => {
    const report = await run('name\nAda\n', new MemoryWriter(), { mode: 'upsert' });
    expect(report).not.toHaveProperty('existing_rows');
    expect(report).not.toHaveProperty('unmatched_rows');
  });

  it('a dry run decides the same outcomes and writes nothing', async () => {
    const writer = new MemoryWriter();
    await run('name\nAda\n', writer);
    const writes = writer.writes.length;
    const report = await run('name\nAda\nGrace\n', writer, { mode: 'update_only', dryRun: true });
    expect(report).toMatchObject({ dry_run: true, updated_rows: 0, unchanged_rows: 1, unmatched_rows: 1 });
    expect(writer.writes.length).toBe(writes);
  });
});

describe('in-file repeats across a pause', () => {
  /** Pauses after each `pauseEvery` rows and resumes with what the pauses gave, as the job runner does. */
  async function importPausing(csv: string, pauseEvery: number, keepSeen: boolean) {
    const writer = new MemoryWriter();
    const bytes = Buffer.from(csv);
    const seen: SeenContacts[] = [];
    let checkpoint: ImportCheckpoint | undefined;
    for (let runs = 1; ; runs++) {
      let rows = 0;
      const outcome = await runImport(chunksOf(checkpoint ? bytes.subarray(checkpoint.byteOffset) : bytes), {
        owner: 'alice',
        writer,
        ...(checkpoint ? { resumeFrom: checkpoint, seenBefore: keepSeen ? seen : [] } : {}),
        shouldPause: () => ++rows >= pauseEvery,
      });
      if (outcome.status === 'completed') return { report: outcome.report, runs, writer };
      seen.push({ fromRow: outcome.seen.fromRow, entries: Uint32Array.from(outcome.seen.entries) });
      checkpoint = JSON.parse(JSON.stringify(outcome.checkpoint)) as ImportCheckpoint;
    }
  }

  const csv = 'name,cellphone\nAda,1\nGrace,2\nLin,3\nAda,4\nGrace,5\n';

  it('are reported as duplicates of the row an earlier run handled, and do not rewrite the contact', async () => {
    const { report, runs, writer } = await importPausing(csv, 2, true);
    expect(runs).toBeGreaterThan(2);
    expect(report).toMatchObject({ total_rows: 5, imported_rows: 3, skipped_rows: 2 });
    expect(report.error_messages).toEqual([
      'Row 5: duplicate of row 2 (same name and company)',
      'Row 6: duplicate of row 3 (same name and company)',
    ]);
    expect(stored(writer, 'Ada')?.cellphone).toBe('1');
  });

  it('are forgotten without the seen contacts (what the job runner must keep)', async () => {
    const { report } = await importPausing(csv, 2, false);
    expect(report).toMatchObject({ imported_rows: 5, skipped_rows: 0 });
  });

  it('ignore seen entries at or after the checkpoint (left by a run that died before its checkpoint)', async () => {
    const writer = new MemoryWriter();
    const bytes = Buffer.from(csv);
    let rows = 0;
    const first = await runImport(chunksOf(bytes), { owner: 'alice', writer, shouldPause: () => ++rows >= 2 });
    if (first.status !== 'paused') throw new Error('expected a pause');
    expect(first.checkpoint.nextRow).toBe(4);
    // What a run that handled row 4 (Lin) and died before its checkpoint would have left.
    const died = new RowRules('alice', CSV_DUPLICATE);
    expect(died.decide(4, { id: undefined, cells: { name: 'Lin' } }).ok).toBe(true);
    const resumed = await runImport(chunksOf(bytes.subarray(first.checkpoint.byteOffset)), {
      owner: 'alice',
      writer,
      resumeFrom: first.checkpoint,
      seenBefore: [first.seen, { fromRow: 4, entries: died.seenBetween(2, 10) }],
    });
    expect(resumed.status === 'completed' && resumed.report).toMatchObject({ imported_rows: 3, skipped_rows: 2 });
    expect(stored(writer, 'Lin')?.cellphone).toBe('3');
  });
});
