import { describe, expect, it } from 'vitest';
import { contactId } from '../../lib/contacts/identity.js';
import { newContact } from '../../lib/contacts/merge.js';
import { importContacts } from '../../lib/import/pipeline.js';
import { ChangeLog, changeLogParts, readChangeLogPart } from '../../lib/jobs/change-log.js';
import type { ChangeEntry, FileStore, StoredObject } from '../../lib/storage/ports.js';
import { chunksOf, MemoryWriter } from '../support/memory-writer.js';

/** The bucket, in memory: only what the change log uses (write, list, readText). */
class MemoryFiles {
  readonly objects = new Map<string, string>();
  writes = 0;
  /** Resolves the writes held back; while set, every write waits for it. */
  hold: Promise<void> | undefined;

  async write(key: string, body: string | AsyncIterable<Uint8Array | string>): Promise<void> {
    this.writes++;
    await this.hold;
    let text = '';
    if (typeof body === 'string') text = body;
    else for await (const chunk of body) text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    this.objects.set(key, text);
  }
  async list(prefix: string): Promise<StoredObject[]> {
    return [...this.objects.keys()]
      .filter((key) => key.startsWith(prefix))
      .map((key) => ({ key, size: 0, etag: '', lastModified: new Date(0) }));
  }
  async readText(key: string): Promise<string> {
    return this.objects.get(key) ?? '';
  }
  async read(key: string) {
    const text = this.objects.get(key) ?? '';
    return {
      body: (async function* () {
        yield Buffer.from(text);
      })(),
      abort: () => undefined,
    };
  }
  async remove(keys: string[]): Promise<void> {
    for (const key of keys) this.objects.delete(key);
  }
}

const filesOf = (memory: MemoryFiles) => memory as unknown as FileStore;

async function entriesOf(memory: MemoryFiles, importId: string): Promise<ChangeEntry[]> {
  const entries: ChangeEntry[] = [];
  for (const part of await changeLogParts(filesOf(memory), 'alice', importId)) {
    entries.push(...(await readChangeLogPart(filesOf(memory), 'alice', part)));
  }
  return entries;
}

/** An update of contact `c` repeated (its previous value a bare contact): written ahead. */
function updateOf(c: string): ChangeEntry {
  const id = c.repeat(32);
  return { op: 'update', id, before: { contact: newContact(id, 'alice', { name: `Before ${c}` }) } };
}

describe('change log', () => {
  it('reads back every field of a previous value and its origin exactly', async () => {
    const memory = new MemoryFiles();
    const log = new ChangeLog(filesOf(memory), 'alice', 'imp-1');
    const before = newContact('a'.repeat(32), 'alice', {
      name: 'Ada',
      notes: 'line one\nline "two", \u00e9',
      type: 'public',
      cellphone2: '+44 2',
    });
    await log.record([
      { op: 'create', id: 'b'.repeat(32) },
      { op: 'update', id: before.id, before: { contact: before, origin: { importId: 'imp-0', sourceId: 'crm' } } },
    ]);
    await log.flush();
    expect(await entriesOf(memory, 'imp-1')).toEqual([
      { op: 'create', id: 'b'.repeat(32) },
      { op: 'update', id: before.id, before: { contact: before, origin: { importId: 'imp-0', sourceId: 'crm' } } },
    ]);
  });

  it('puts the entries recorded while a part is being written into one next part', async () => {
    const memory = new MemoryFiles();
    let release: () => void = () => undefined;
    memory.hold = new Promise((resolve) => {
      release = resolve;
    });
    const log = new ChangeLog(filesOf(memory), 'alice', 'imp-2');
    const first = log.record([updateOf('1')]);
    const second = log.record([updateOf('2')]);
    const third = log.record([updateOf('3')]);
    release();
    await Promise.all([first, second, third]);
    expect(memory.writes).toBe(2);
    expect((await entriesOf(memory, 'imp-2')).map((entry) => entry.id).sort()).toEqual(['1', '2', '3'].map((c) => c.repeat(32)));
  });

  it('waits for a previous value to be stored, but holds creations until the flush', async () => {
    const memory = new MemoryFiles();
    let release: () => void = () => undefined;
    memory.hold = new Promise((resolve) => {
      release = resolve;
    });
    const log = new ChangeLog(filesOf(memory), 'alice', 'imp-w');
    let stored = false;
    const update = log.record([updateOf('1'), { op: 'create', id: '2'.repeat(32) }]).then(() => {
      stored = true;
    });
    // Creations alone resolve at once and write nothing.
    await log.record([{ op: 'create', id: '3'.repeat(32) }]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(stored).toBe(false);
    release();
    await update;
    expect(memory.writes).toBe(1);
    expect((await entriesOf(memory, 'imp-w')).map((entry) => entry.id)).toEqual(['1'.repeat(32)]);
    await log.flush();
    expect(memory.writes).toBe(2);
    expect((await entriesOf(memory, 'imp-w')).map((entry) => entry.id).sort()).toEqual(['1', '2', '3'].map((c) => c.repeat(32)));
    // Nothing held: a second flush writes nothing.
    await log.flush();
    expect(memory.writes).toBe(2);
  });

  it('keeps the creations a refused flush held, and stores them with the next one', async () => {
    const memory = new MemoryFiles();
    const log = new ChangeLog(filesOf(memory), 'alice', 'imp-f');
    await log.record([{ op: 'create', id: '1'.repeat(32) }]);
    const write = memory.write.bind(memory);
    memory.write = async () => {
      throw new Error('bucket unavailable');
    };
    await expect(log.flush()).rejects.toThrow('bucket unavailable');
    memory.write = write;
    await log.record([{ op: 'create', id: '2'.repeat(32) }]);
    await log.flush();
    expect((await entriesOf(memory, 'imp-f')).map((entry) => entry.id).sort()).toEqual(['1', '2'].map((c) => c.repeat(32)));
  });

  it('lists recovered creations after every other part, whenever they were written', async () => {
    const memory = new MemoryFiles();
    const first = new ChangeLog(filesOf(memory), 'alice', 'imp-r', { now: new Date(1_000) });
    await first.record([updateOf('1')]);
    const later = new ChangeLog(filesOf(memory), 'alice', 'imp-r', { now: new Date(2_000), recovering: true });
    await later.record([
      { op: 'create', id: '2'.repeat(32), recovered: true },
      { op: 'create', id: '3'.repeat(32) },
    ]);
    await later.flush();
    await later.record([updateOf('4')]);
    expect((await entriesOf(memory, 'imp-r')).map((entry) => [entry.id[0], entry.op === 'create' && entry.recovered === true])).toEqual([
      ['4', false],
      ['3', false],
      ['1', false],
      ['2', true],
    ]);
  });

  it('joins the parts written so far into one part holding every entry', async () => {
    const memory = new MemoryFiles();
    const log = new ChangeLog(filesOf(memory), 'alice', 'imp-3');
    for (const c of ['1', '2', '3']) await log.record([updateOf(c)]);
    expect(await changeLogParts(filesOf(memory), 'alice', 'imp-3')).toHaveLength(3);

    await log.compact();

    expect(await changeLogParts(filesOf(memory), 'alice', 'imp-3')).toHaveLength(1);
    expect((await entriesOf(memory, 'imp-3')).map((entry) => entry.id)).toEqual(['1', '2', '3'].map((c) => c.repeat(32)));
  });

  it('logs what an import creates and changes, but not its own earlier writes of a contact', async () => {
    const memory = new MemoryFiles();
    const writer = new MemoryWriter();
    await importContacts(chunksOf('name,cellphone\nAda,1\nGrace,2\n'), { owner: 'alice', writer, origin: { importId: 'imp-a' } });
    const log = new ChangeLog(filesOf(memory), 'alice', 'imp-b');
    // Grace is unchanged: with `stampUnchanged` false (a synchronous import) she is not written.
    const run = (csv: string) =>
      importContacts(chunksOf(csv), { owner: 'alice', writer, origin: { importId: 'imp-b' }, stampUnchanged: false, changeLog: log });
    await run('name,cellphone\nAda,9\nGrace,2\nLinus,3\n');
    // A second run of the same import (a continuation) rewrites Ada: her entry stays the first one.
    await run('name,cellphone\nAda,10\n');
    await log.flush();
    const ada = contactId('alice', { name: 'Ada', company: '' });
    const entries = await entriesOf(memory, 'imp-b');
    expect(entries).toHaveLength(2);
    expect(entries).toContainEqual({ op: 'create', id: contactId('alice', { name: 'Linus', company: '' }) });
    expect(entries).toContainEqual({
      op: 'update',
      id: ada,
      before: { contact: newContact(ada, 'alice', { name: 'Ada', cellphone: '1' }), origin: { importId: 'imp-a' } },
    });
  });

  it('in a later run of the import, logs its own stamped contacts as recovered creations', async () => {
    const memory = new MemoryFiles();
    const writer = new MemoryWriter();
    const first = new ChangeLog(filesOf(memory), 'alice', 'imp-c');
    await importContacts(chunksOf('name,cellphone\nAda,1\n'), { owner: 'alice', writer, origin: { importId: 'imp-c' }, changeLog: first });
    // The first run dies before its flush: Ada's creation is not in the log.
    expect(await entriesOf(memory, 'imp-c')).toEqual([]);
    const later = new ChangeLog(filesOf(memory), 'alice', 'imp-c', { recovering: true });
    await importContacts(chunksOf('name,cellphone\nAda,1\nGrace,2\n'), {
      owner: 'alice',
      writer,
      origin: { importId: 'imp-c' },
      changeLog: later,
    });
    await later.flush();
    expect(await entriesOf(memory, 'imp-c')).toEqual([
      { op: 'create', id: contactId('alice', { name: 'Grace', company: '' }) },
      { op: 'create', id: contactId('alice', { name: 'Ada', company: '' }), recovered: true },
    ]);
  });
});
