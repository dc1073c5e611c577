import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoClient } from '../../lib/adapters/aws-clients.js';
import { DynamoContactRepository } from '../../lib/adapters/dynamodb-contacts.js';
import { loadConfig } from '../../lib/config.js';
import { visibleContactPages } from '../support/contacts.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

let api: TestStack;
beforeAll(async () => {
  api = await startTestStack();
});
afterAll(async () => {
  await api?.close();
});

type Contact = Record<string, string>;

async function importCsv(username: string, csv: string): Promise<Record<string, unknown>> {
  const token = await api.userToken(username);
  const response = await api.postForm('/phonebook/import/', { file: Buffer.from(csv) }, { authorization: `Bearer ${token}` });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

async function listAll(username: string, limit = 7): Promise<{ contacts: Contact[]; pages: number }> {
  return visibleContactPages(api, await api.userToken(username, []), limit);
}

function generated(count: number, prefix: string, type: (i: number) => string): string {
  const rows = Array.from({ length: count }, (_, i) => `${prefix} ${i},Company ${i % 3},+39 06 ${1000 + i},${type(i)}`);
  return `name,company,workphone,type\n${rows.join('\n')}\n`;
}

describe('importing and listing contacts', () => {
  it('re-importing the same file creates no duplicates and keeps the report invariant', async () => {
    const csv = generated(60, 'Person', (i) => (i % 4 === 0 ? 'public' : 'private'));
    const first = await importCsv('john.smith', csv);
    const second = await importCsv('john.smith', csv);
    for (const report of [first, second]) {
      expect(report).toMatchObject({ total_rows: 60, imported_rows: 60, failed_rows: 0, skipped_rows: 0 });
    }
    const own = (await listAll('john.smith')).contacts.filter((c) => c.owner === 'john.smith');
    expect(own).toHaveLength(60);
    expect(new Set(own.map((c) => c.id)).size).toBe(60);
  });

  it('updates a contact in place when a re-import changes its other fields', async () => {
    await importCsv('john.smith', 'name,company,workphone\nPerson 1,Company 1,+39 000\n');
    const own = (await listAll('john.smith')).contacts.filter((c) => c.owner === 'john.smith' && c.name === 'Person 1');
    expect(own).toHaveLength(1);
    expect(own[0]?.workphone).toBe('+39 000');
  });

  it('shows a user their own contacts and other users public ones, never others private ones', async () => {
    await importCsv('jane.doe', 'name,type\nJane Private,private\nJane Public,public\n');
    const johnSees = (await listAll('john.smith')).contacts;
    const names = johnSees.map((c) => c.name);
    expect(names).toContain('Jane Public');
    expect(names).not.toContain('Jane Private');
    const janeSees = (await listAll('jane.doe')).contacts;
    expect(
      janeSees
        .filter((c) => c.owner === 'jane.doe')
        .map((c) => c.name)
        .sort(),
    ).toEqual(['Jane Private', 'Jane Public']);
    // Jane sees John's 15 public contacts, and nothing twice.
    expect(janeSees.filter((c) => c.owner === 'john.smith')).toHaveLength(15);
    expect(new Set(janeSees.map((c) => c.id)).size).toBe(janeSees.length);
  });

  it('pages through the list with next_cursor and uses CSV column names in JSON', async () => {
    const { contacts, pages } = await listAll('john.smith', 7);
    expect(pages).toBeGreaterThan(5);
    const sample = contacts.find((c) => c.name === 'Person 2');
    expect(sample).toMatchObject({ owner: 'john.smith', company: 'Company 2', workphone: '+39 06 1002', type: 'private', homeemail: '' });
    expect(Object.keys(sample ?? {})).toEqual(expect.arrayContaining(['id', 'owner', 'name', 'speeddial_num', 'type']));
  });

  it('answers 400 for a cursor it did not issue and for a bad limit', async () => {
    const token = await api.userToken('john.smith');
    expect((await api.request('/phonebook/contacts?cursor=garbage', { token })).status).toBe(400);
    expect((await api.request('/phonebook/contacts?limit=0', { token })).status).toBe(400);
  });

  it('keeps the invariant on a file mixing good, invalid, duplicate and ragged rows', async () => {
    const report = await importCsv('jane.doe', 'name,type,company\nA,public,x\n,private,y\nA,public,x\nB,weird,z\nC\nD,private,w\n');
    expect(report).toMatchObject({ total_rows: 6, imported_rows: 2, failed_rows: 0, skipped_rows: 4 });
  });

  it('tells an empty phonebook from one with contacts, whichever shard they are in', async () => {
    // The stack has put the handlers' settings into process.env: the same table they use.
    const config = loadConfig();
    const contacts = new DynamoContactRepository(dynamoClient(config), config.contactsTable);
    expect(await contacts.hasContacts('lonely.user')).toBe(false);
    // One contact is in one of the 16 shards; another owner's contacts never count.
    await importCsv('lonely.user', 'name\nOnly One\n');
    expect(await contacts.hasContacts('lonely.user')).toBe(true);
    expect(await contacts.hasContacts('lonely')).toBe(false);
  });
});
