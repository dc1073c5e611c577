import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCsv, ownContactsByName } from '../support/contacts.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

/** The contact record of the reference's newer schema, stored and exported through the real stack. */
let api: TestStack;
beforeAll(async () => {
  api = await startTestStack();
});
afterAll(async () => {
  await api?.close();
});

const NEW_COLUMNS = [
  'firstname',
  'lastname',
  'job',
  'facebook',
  'instagram',
  'linkedin',
  'workphone2',
  'cellphone2',
  'otherphone',
  'otheremail',
];

describe('the full contact record', () => {
  it('stores and exports every column of the newer reference schema, and builds name when absent', async () => {
    const token = await api.userToken('full.record');
    const csv = [
      `name,${NEW_COLUMNS.join(',')},type`,
      'Ada L.,Ada,Lovelace,Analyst,fb.example/ada,ig.example/ada,li.example/ada,+44 1,+44 2,+44 3,ada@other.example,"group: Sales,Support,Sales "',
      ',Grace,Hopper,Admiral,,,,,,,,public',
      '',
    ].join('\n');
    const { body: report } = await importCsv(api, token, csv);
    expect(report).toMatchObject({ total_rows: 2, imported_rows: 2, skipped_rows: 0 });
    const stored = await ownContactsByName(api, 'full.record');
    expect(stored.get('Ada L.')).toMatchObject({
      firstname: 'Ada',
      lastname: 'Lovelace',
      job: 'Analyst',
      facebook: 'fb.example/ada',
      instagram: 'ig.example/ada',
      linkedin: 'li.example/ada',
      workphone2: '+44 1',
      cellphone2: '+44 2',
      otherphone: '+44 3',
      otheremail: 'ada@other.example',
      type: 'group:Sales,Support',
    });
    expect(stored.get('Grace Hopper')).toMatchObject({ firstname: 'Grace', lastname: 'Hopper', job: 'Admiral', type: 'public' });

    const exported = await (await api.request('/phonebook/export', { token })).text();
    const rows = parse(exported, { bom: true, columns: true }) as Array<Record<string, string>>;
    const ada = rows.find((row) => row.name === 'Ada L.');
    expect(ada).toMatchObject({ job: 'Analyst', workphone2: "'+44 1", otheremail: 'ada@other.example', type: 'group:Sales,Support' });
  });

  it("answers a malformed group type with the reference's three forms", async () => {
    const token = await api.userToken('bad.group');
    const { body: report } = await importCsv(api, token, 'name,type\nA,group:\nB,group:public\nC,private\n');
    expect(report).toMatchObject({ total_rows: 3, imported_rows: 1, skipped_rows: 2 });
    expect(report.error_messages).toEqual([
      "Row 2: invalid type 'group:' (must be 'private', 'public', or 'group:<group1,group2>')",
      "Row 3: invalid type 'group:public' (must be 'private', 'public', or 'group:<group1,group2>')",
    ]);
  });
});
