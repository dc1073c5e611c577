import { describe, expect, it } from 'vitest';
import { contactId } from '../../lib/contacts/identity.js';
import { newContact } from '../../lib/contacts/merge.js';
import { importContacts } from '../../lib/import/pipeline.js';
import type { ImportReport } from '../../lib/import/report.js';
import { chunksOf, MemoryWriter } from '../support/memory-writer.js';

async function run(csv: string, writer: MemoryWriter, options: { dryRun?: boolean; owner?: string } = {}): Promise<ImportReport> {
  const report = await importContacts(chunksOf(csv), { owner: options.owner ?? 'alice', writer, dryRun: options.dryRun ?? false });
  expect(report.total_rows).toBe(report.imported_rows + report.failed_rows + report.skipped_rows);
  expect(report.imported_rows).toBe(report.created_rows + report.updated_rows + report.unchanged_rows);
  return report;
}

const stored = (writer: MemoryWriter, name: string, company = '') => writer.stored.get(`alice#${contactId('alice', { name, company })}`);

describe('upsert', () => {
  it('counts a re-import of the same rows as unchanged and writes nothing the second time', async () => {
    const writer = new MemoryWriter();
    const csv = 'name,company,cellphone\nAda,Engines,1\nGrace,Navy,2\n';
    await run(csv, writer);
    const writesBefore = writer.writes.length;
    const report = await run(csv, writer);
    expect(report).toMatchObject({ imported_rows: 2, created_rows: 0, updated_rows: 0, unchanged_rows: 2 });
    expect(writer.writes.length).toBe(writesBefore);
  });

  it('updates by identity, leaving columns absent from the header untouched', async () => {
    const writer = new MemoryWriter();
    await run('name,company,cellphone,workemail\nAda,Engines,1,ada@example.org\n', writer);
    const report = await run('name,company,cellphone\nAda,Engines,99\n', writer);
    expect(report).toMatchObject({ updated_rows: 1 });
    expect(stored(writer, 'Ada', 'Engines')).toMatchObject({ cellphone: '99', workemail: 'ada@example.org' });
  });

  it('unsets a column whose cell is empty', async () => {
    const writer = new MemoryWriter();
    await run('name,cellphone,type\nAda,1,public\n', writer);
    await run('name,cellphone,type\nAda,,\n', writer);
    expect(stored(writer, 'Ada')).toMatchObject({ cellphone: '', type: 'private' });
  });

  it('updates the contact an id names, even its name, and keeps the id', async () => {
    const writer = new MemoryWriter();
    await run('name\nAda\n', writer);
    const id = contactId('alice', { name: 'Ada', company: '' });
    const report = await run(`id,name\n${id},Ada Lovelace\n`, writer);
    expect(report).toMatchObject({ updated_rows: 1, skipped_rows: 0 });
    expect(writer.stored.get(`alice#${id}`)?.name).toBe('Ada Lovelace');
  });

  it("answers an unknown id, and another owner's id, alike with 'not found'", async () => {
    const writer = new MemoryWriter();
    await run('name\nBob\n', writer, { owner: 'bob' });
    const bobs = contactId('bob', { name: 'Bob', company: '' });
    const report = await run(`id,cellphone\n${bobs},1\n${'f'.repeat(32)},2\nnot-an-id,3\n`, writer);
    expect(report).toMatchObject({ total_rows: 3, skipped_rows: 3, imported_rows: 0 });
    expect(report.error_messages).toEqual([
      'Row 4: contact not-an-id not found',
      `Row 2: contact ${bobs} not found`,
      `Row 3: contact ${'f'.repeat(32)} not found`,
    ]);
    expect(writer.stored.get(`bob#${bobs}`)?.cellphone).toBe('');
  });

  it('refuses an update that would leave a contact without a name', async () => {
    const writer = new MemoryWriter();
    await run('name\nAda\n', writer);
    const id = contactId('alice', { name: 'Ada', company: '' });
    const report = await run(`id,name\n${id},\n`, writer);
    expect(report.error_messages).toEqual(['Row 2: name is empty']);
    expect(writer.stored.get(`alice#${id}`)?.name).toBe('Ada');
  });

  it('reports what a dry run would do and writes nothing', async () => {
    const writer = new MemoryWriter();
    await run('name,cellphone\nAda,1\nGrace,2\n', writer);
    const writesBefore = writer.writes.length;
    const report = await run(`name,cellphone\nAda,1\nGrace,3\nLinus,4\nNobody,${'9'.repeat(30)}\n,5\n`, writer, { dryRun: true });
    expect(report).toMatchObject({
      dry_run: true,
      total_rows: 5,
      created_rows: 1,
      updated_rows: 1,
      unchanged_rows: 1,
      skipped_rows: 2,
      message: 'phonebook import dry run completed, nothing was written',
    });
    expect(writer.writes.length).toBe(writesBefore);
  });

  it('counts every row of a batch as failed, not lost, when stored contacts cannot be read', async () => {
    class UnreadableStore extends MemoryWriter {
      override readContacts(): Promise<never> {
        return Promise.reject(new Error('ProvisionedThroughputExceededException, gave up after 8 attempts'));
      }
    }
    const writer = new UnreadableStore();
    // A phonebook with a contact in it: only then does an import read before it writes.
    await writer.writeContacts([{ rowNumber: 2, contact: newContact('0'.repeat(32), 'alice', { name: 'Linus' }) }]);
    const report = await run('name\nAda\nGrace\n', writer);
    expect(report).toMatchObject({ total_rows: 2, failed_rows: 2, imported_rows: 0 });
    expect(report.error_messages[0]).toBe('Row 2: storage error: ProvisionedThroughputExceededException, gave up after 8 attempts');
    expect(writer.writes).toHaveLength(1);
  });

  it('reads nothing back on a first import into an empty phonebook, and reads once it has contacts', async () => {
    const writer = new MemoryWriter();
    const rows = Array.from({ length: 60 }, (_, i) => `Person ${i},Co`).join('\n');
    const first = await run(`name,company\n${rows}\nPerson 3,Co\n`, writer);
    expect(writer.reads).toBe(0);
    expect(first).toMatchObject({ total_rows: 61, created_rows: 60, skipped_rows: 1 });
    expect(first.error_messages).toEqual(['Row 62: duplicate of row 5 (same name and company)']);
    const id = contactId('alice', { name: 'Person 0', company: 'Co' });
    const second = await run(`id,name,company,cellphone\n${id},Person 0,Co,42\n,Person 1,Co,\n`, writer);
    expect(writer.reads).toBeGreaterThan(0);
    expect(second).toMatchObject({ updated_rows: 1, unchanged_rows: 1, created_rows: 0 });
    // Another owner's phonebook is empty still: ids of alice's are not found there.
    const reads = writer.reads;
    const other = await run(`id,name\n${id},Person 0\n`, writer, { owner: 'bob' });
    expect(writer.reads).toBe(reads);
    expect(other.error_messages).toEqual([`Row 2: contact ${id} not found`]);
  });

  it("writes unchanged rows of an import job too, so that they carry the job's origin", async () => {
    const writer = new MemoryWriter();
    await run('name\nAda\n', writer);
    const report = await importContacts(chunksOf('name\nAda\n'), {
      owner: 'alice',
      writer,
      origin: { importId: 'job-2', sourceId: 'crm' },
    });
    expect(report).toMatchObject({ unchanged_rows: 1 });
    expect(writer.writes.at(-1)).toMatchObject({ contact: { name: 'Ada' }, origin: { importId: 'job-2', sourceId: 'crm' } });
  });
});
