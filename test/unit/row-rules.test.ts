import { describe, expect, it } from 'vitest';
import { bulkUpsert } from '../../lib/import/bulk.js';
import { importContacts } from '../../lib/import/pipeline.js';
import { BULK_DUPLICATE, CSV_DUPLICATE, decideRow, RowRules } from '../../lib/import/row-rules.js';
import { chunksOf, MemoryWriter } from '../support/memory-writer.js';

describe('decideRow', () => {
  it('names every problem of a row at once, the missing name first', () => {
    const decision = decideRow('alice', 2, { id: undefined, cells: { workphone: '1'.repeat(26), type: 'business' } }, [
      "unknown field 'x'",
    ]);
    expect(decision).toEqual({
      ok: false,
      rejection: {
        code: 'invalid',
        reason:
          "name is empty; unknown field 'x'; field 'workphone' is too long (26 characters, max 25); invalid type 'business' (must be 'private', 'public', or 'group:<group1,group2>')",
      },
    });
  });

  it('turns a valid row into a change aimed at its identity, and a malformed id into not found', () => {
    const decision = decideRow('alice', 7, { id: undefined, cells: { name: ' Ada ', type: 'PUBLIC' } });
    expect(decision.ok && decision.change).toMatchObject({ ref: 7, explicitId: undefined, fields: { name: 'Ada', type: 'public' } });
    expect(decision.ok && decision.change.targetId).toMatch(/^[0-9a-f]{32}$/);
    expect(decideRow('alice', 8, { id: 'nope', cells: {} })).toEqual({
      ok: false,
      rejection: { code: 'not_found', reason: 'contact nope not found' },
    });
  });
});

describe('RowRules', () => {
  it('rejects the second row for the same contact, pointing back as the input does', () => {
    const csv = new RowRules('alice', CSV_DUPLICATE);
    expect(csv.decide(2, { id: undefined, cells: { name: 'Ada', company: 'X' } }).ok).toBe(true);
    expect(csv.decide(3, { id: undefined, cells: { name: 'ada', company: 'x' } })).toEqual({
      ok: false,
      rejection: { code: 'duplicate', reason: 'duplicate of row 2 (same name and company)' },
    });
    const bulk = new RowRules('alice', BULK_DUPLICATE);
    expect(bulk.decide(0, { id: undefined, cells: { name: 'Ada' } }).ok).toBe(true);
    expect(bulk.decide(1, { id: undefined, cells: { name: 'Ada' } })).toEqual({
      ok: false,
      rejection: { code: 'duplicate', reason: 'same contact as index 0' },
    });
  });

  it('counts a rejected row as never seen', () => {
    const rules = new RowRules('alice', CSV_DUPLICATE);
    expect(rules.decide(2, { id: undefined, cells: { name: 'Ada', type: 'bad' } }).ok).toBe(false);
    expect(rules.decide(3, { id: undefined, cells: { name: 'Ada' } }).ok).toBe(true);
  });
});

describe('the same fault, the same message, whatever the input format', () => {
  const faults: Array<{ csv: string; bulk: Record<string, string> }> = [
    { csv: 'name,type\nAda,business\n', bulk: { name: 'Ada', type: 'business' } },
    { csv: 'name,workphone\n,1\n', bulk: { name: '', workphone: '1' } },
    { csv: 'name,homepob\nAda,12345678901\n', bulk: { name: 'Ada', homepob: '12345678901' } },
    { csv: `id,name\n${'e'.repeat(32)},Ada\n`, bulk: { id: 'e'.repeat(32), name: 'Ada' } },
    { csv: 'id,name\nnot-an-id,Ada\n', bulk: { id: 'not-an-id', name: 'Ada' } },
  ];
  it.each(faults.map((fault) => [fault.csv.split('\n')[0], fault] as const))('%s', async (_header, fault) => {
    const report = await importContacts(chunksOf(fault.csv), { owner: 'alice', writer: new MemoryWriter() });
    const bulk = await bulkUpsert({ contacts: [fault.bulk] }, 'alice', new MemoryWriter(), { maxContacts: 10, dryRun: false });
    expect(report.error_messages).toHaveLength(1);
    expect(report.error_messages[0]).toBe(`Row 2: ${bulk.failed_contacts[0]?.error_message}`);
  });
});
