import { readFile } from 'node:fs/promises';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { ScheduledEvent } from 'aws-lambda';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoClient } from '../../lib/adapters/aws-clients.js';
import { mintUserToken } from '../../lib/auth/jwt.js';
import { loadConfig } from '../../lib/config.js';
import { importCsv, visibleContactPages } from '../support/contacts.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

/**
 * Group sharing end to end: alice and bob are in Sales (set by the super admin), carol is not;
 * alice's `group:Sales` contacts are bob's to read and nobody's but alice's (and the super
 * admin's) to change.
 */
let api: TestStack;
let tokens: Record<'alice' | 'bob' | 'carol', string>;
const ALICE = 'alice.sales';
const BOB = 'bob.sales';
const CAROL = 'carol.support';

type Contact = Record<string, string>;

async function putUser(username: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await api.request(`/admin/users/${encodeURIComponent(username)}`, {
    token: api.adminToken,
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Every contact `token`'s user sees, page by page (`limit` small to cross phase boundaries). */
async function listAll(token: string, limit = 1000): Promise<Contact[]> {
  return (await visibleContactPages(api, token, limit)).contacts;
}

async function exportRows(token: string): Promise<Contact[]> {
  const response = await api.request('/phonebook/export', { token });
  expect(response.status).toBe(200);
  return parse(await response.text(), { bom: true, columns: true }) as Contact[];
}

function named(contacts: Contact[], name: string, owner = ALICE): Contact[] {
  return contacts.filter((contact) => contact.name === name && (contact.owner === undefined || contact.owner === owner));
}

async function aliceContact(name: string): Promise<Contact> {
  const found = (await listAll(tokens.alice)).filter((contact) => contact.owner === ALICE && contact.name === name);
  expect(found).toHaveLength(1);
  return found[0] as Contact;
}

beforeAll(async () => {
  api = await startTestStack();
  expect((await putUser(ALICE, { groups: ['Sales'] })).status).toBe(201);
  expect((await putUser(BOB, { groups: [' Sales ', 'Support', 'Sales'] })).status).toBe(201);
  expect((await putUser(CAROL, { groups: ['Support'] })).status).toBe(201);
  tokens = { alice: await api.userToken(ALICE), bob: await api.userToken(BOB), carol: await api.userToken(CAROL) };
  const report = await importCsv(
    api,
    tokens.alice,
    'name,company,cellphone,type\nShared Lead,Acme,+1 555 0100,group:Sales\nAlice Private,,+1 555 0101,private\nTeam Both,Acme,+1 555 0102,"group: Support,Sales"\n',
  );
  expect(report.body).toMatchObject({ imported_rows: 3, skipped_rows: 0 });
});
afterAll(async () => {
  await api?.close();
});

describe('user groups, set by the super admin', () => {
  it('stores the groups trimmed, without repeats, and GET /admin/users/{username} reads them back', async () => {
    const response = await api.request(`/admin/users/${BOB}`, { token: api.adminToken });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ username: BOB, groups: ['Sales', 'Support'] });
  });

  it('keeps the groups when a later PUT has no groups, and clears them with an empty list', async () => {
    expect((await putUser('dan.groups', { groups: ['Ops'] })).body).toMatchObject({ groups: ['Ops'] });
    expect(await putUser('dan.groups', {})).toMatchObject({ status: 200, body: { groups: ['Ops'] } });
    expect(await putUser('dan.groups', { groups: [] })).toMatchObject({ status: 200, body: { groups: [] } });
  });

  it('answers 400 naming the problem for invalid groups, and changes nothing', async () => {
    await putUser('erin.groups', { groups: ['Ops'] });
    const cases: Array<[unknown, string]> = [
      [{ groups: 'Sales' }, "'groups' must be an array of group names"],
      [{ groups: ['Sales', '  '] }, 'groups[1] is empty'],
      [{ groups: ['Public'] }, 'groups[0] is reserved'],
      [{ groups: ['private'] }, 'groups[0] is reserved'],
      [{ groups: ['a,b'] }, 'groups[0] contains a comma'],
      [{ groups: [42] }, 'groups[0] must be a string'],
      [{ groups: ['x'.repeat(129)] }, 'groups[0] is longer than 128 characters'],
      [{ groups: Array.from({ length: 51 }, (_, i) => `g${i}`) }, 'at most 50 groups per user (got 51)'],
      ['[1]', 'the body must be a JSON object'],
    ];
    for (const [body, error] of cases) {
      const answer = await putUser('erin.groups', body);
      expect(answer.status, error).toBe(400);
      expect(String(answer.body.error), error).toContain(error);
    }
    const stored = await api.request('/admin/users/erin.groups', { token: api.adminToken });
    expect(await stored.json()).toMatchObject({ groups: ['Ops'] });
  });

  it('answers 404 for a user never registered, and GET needs the super admin', async () => {
    expect((await api.request('/admin/users/nobody.here', { token: api.adminToken })).status).toBe(404);
    expect((await api.request(`/admin/users/${BOB}`, { token: tokens.bob })).status).toBe(401);
  });
});

describe('reading contacts shared with a group', () => {
  it('shows a group contact to the owner and the group, never to others', async () => {
    const bob = await listAll(tokens.bob);
    expect(named(bob, 'Shared Lead')).toHaveLength(1);
    expect(named(bob, 'Shared Lead')[0]).toMatchObject({ owner: ALICE, type: 'group:Sales', cellphone: '+1 555 0100' });
    expect(named(bob, 'Alice Private')).toHaveLength(0);
    const carol = await listAll(tokens.carol);
    expect(named(carol, 'Shared Lead')).toHaveLength(0);
    expect(named(carol, 'Team Both')).toHaveLength(1);
    expect(named(await listAll(tokens.alice), 'Shared Lead')).toHaveLength(1);
  });

  it('lists a contact shared with two of the reader groups once', async () => {
    expect(named(await listAll(tokens.bob), 'Team Both')).toHaveLength(1);
  });

  it('exports the group contacts to a member after their own, and not to others', async () => {
    const bob = await exportRows(tokens.bob);
    expect(bob.map((row) => row.name).sort()).toEqual(['Shared Lead', 'Team Both']);
    expect((await exportRows(tokens.carol)).map((row) => row.name)).toEqual(['Team Both']);
  });

  it('takes the groups of a token claim, also for a user never registered', async () => {
    const claimOnly = await mintUserToken(api.stack.secrets.jwtSecret, 'frank.claim', ['phonebook.ad_phonebook'], { groups: ['Sales'] });
    expect(named(await listAll(claimOnly), 'Shared Lead')).toHaveLength(1);
    expect((await exportRows(claimOnly)).map((row) => row.name)).toContain('Shared Lead');
    // Carol's stored Support and her token's Sales together.
    const carolWithClaim = await mintUserToken(api.stack.secrets.jwtSecret, CAROL, [], { groups: ['Sales'] });
    const carol = await listAll(carolWithClaim);
    expect(named(carol, 'Shared Lead')).toHaveLength(1);
    expect(named(carol, 'Team Both')).toHaveLength(1);
  });

  it('pages the merged view (own, public, groups) without losing or repeating a contact', async () => {
    const author = await api.userToken('gina.pages');
    await putUser('gina.pages', { groups: ['Pages'] });
    const rows = Array.from({ length: 23 }, (_, i) => `Paged ${i},Co ${i},${i % 2 === 0 ? '"group:Pages,Sales"' : 'group:Pages'}`);
    expect((await importCsv(api, author, `name,company,type\n${rows.join('\n')}\n`)).body).toMatchObject({ imported_rows: 23 });
    const reader = await mintUserToken(api.stack.secrets.jwtSecret, 'hank.pages', [], { groups: ['Sales', 'Pages'] });
    const all = await listAll(reader, 1000);
    for (const limit of [1, 4, 7]) {
      const paged = await listAll(reader, limit);
      expect(paged.map((contact) => contact.id)).toEqual(all.map((contact) => contact.id));
    }
    const paged = all.filter((contact) => contact.name?.startsWith('Paged '));
    expect(paged).toHaveLength(23);
    expect(new Set(all.map((contact) => contact.id)).size).toBe(all.length);
  });

  it('rejects a cursor for a group phase whose key is not that group partition', async () => {
    const forged = Buffer.from(JSON.stringify({ s: 32, g: 'Sales', k: { pk: `${ALICE}#0`, id: 'a'.repeat(32) } })).toString('base64url');
    const response = await api.request(`/phonebook/contacts?cursor=${forged}`, { token: tokens.bob });
    expect(response.status).toBe(400);
  });
});

describe('changing a group contact', () => {
  it('an import by a member with the same name and company creates their own contact and leaves the owner one alone', async () => {
    const report = await importCsv(api, tokens.bob, 'name,company,cellphone,type\nShared Lead,Acme,+9 999,group:Sales\n');
    expect(report.body).toMatchObject({ imported_rows: 1, created_rows: 1 });
    expect((await aliceContact('Shared Lead')).cellphone).toBe('+1 555 0100');
    // Alice now sees bob's copy too (shared with Sales), bob's is his own.
    const bobs = (await listAll(tokens.bob)).filter((contact) => contact.name === 'Shared Lead');
    expect(bobs.map((contact) => contact.owner).sort()).toEqual([ALICE, BOB]);
  });

  it('an import or a bulk update by a member naming the contact id is refused as not found', async () => {
    const shared = await aliceContact('Shared Lead');
    const report = await importCsv(api, tokens.bob, `id,cellphone\n${shared.id},+0 000\n`);
    expect(report.body).toMatchObject({ imported_rows: 0, skipped_rows: 1, error_messages: [`Row 2: contact ${shared.id} not found`] });
    const response = await api.request('/phonebook/contacts/bulk', {
      token: tokens.bob,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contacts: [{ id: shared.id, cellphone: '+0 000', type: 'public' }] }),
    });
    expect(await response.json()).toMatchObject({ contacts: [null], failed_contacts: [{ index: 0, error_code: 'not_found' }] });
    expect(await aliceContact('Shared Lead')).toEqual(shared);
  });

  it('the super admin changes it, and the members see the change', async () => {
    const shared = await aliceContact('Shared Lead');
    const response = await api.postForm(
      '/admin/phonebook/import',
      { username: ALICE, file: Buffer.from(`id,cellphone\n${shared.id},+1 555 0199\n`) },
      { authorization: `Bearer ${api.adminToken}` },
    );
    expect(await response.json()).toMatchObject({ updated_rows: 1 });
    expect(named(await listAll(tokens.bob), 'Shared Lead')[0]?.cellphone).toBe('+1 555 0199');
  });

  it('a type changed to private hides it from the group and removes its share items', async () => {
    await importCsv(api, tokens.alice, 'name,company,type\nMoving Lead,Acme,group:Sales\n');
    expect(named(await listAll(tokens.bob), 'Moving Lead')).toHaveLength(1);
    const moving = await aliceContact('Moving Lead');
    const report = await importCsv(api, tokens.alice, 'name,company,type\nMoving Lead,Acme,private\n');
    expect(report.body).toMatchObject({ updated_rows: 1 });
    expect(named(await listAll(tokens.bob), 'Moving Lead')).toHaveLength(0);
    expect(await shareItemsOf('Sales', moving.id ?? '')).toBe(0);
  });

  it('a type moved from one group to another follows in both', async () => {
    await importCsv(api, tokens.alice, 'name,company,type\nHopping Lead,Acme,group:Sales\n');
    const hopping = await aliceContact('Hopping Lead');
    await importCsv(api, tokens.alice, 'name,company,type\nHopping Lead,Acme,group:Support\n');
    expect(named(await listAll(await api.userToken(CAROL)), 'Hopping Lead')).toHaveLength(1);
    expect(await shareItemsOf('Sales', hopping.id ?? '')).toBe(0);
    expect(await shareItemsOf('Support', hopping.id ?? '')).toBe(1);
  });
});

describe('removing a group contact', () => {
  it('a replace source that drops it from its file removes its share items too', async () => {
    const source = await api.request('/admin/sources/sales-crm', {
      method: 'PUT',
      token: api.adminToken,
      body: JSON.stringify({ owner: ALICE, key: 'sources/sales-crm.csv', mode: 'replace' }),
    });
    expect(source.status).toBe(201);
    await api.s3.send(
      new PutObjectCommand({
        Bucket: api.uploadBucket,
        Key: 'sources/sales-crm.csv',
        Body: 'name,company,type\nCrm Lead,CRM,group:Sales\nCrm Keep,CRM,group:Sales\n',
      }),
    );
    await scheduleTick();
    const lead = await aliceContact('Crm Lead');
    expect(await shareItemsOf('Sales', lead.id ?? '')).toBe(1);
    await api.s3.send(
      new PutObjectCommand({
        Bucket: api.uploadBucket,
        Key: 'sources/sales-crm.csv',
        Body: 'name,company,type\nCrm Keep,CRM,group:Sales\n',
      }),
    );
    await scheduleTick();
    const bob = await listAll(tokens.bob);
    expect(named(bob, 'Crm Lead')).toHaveLength(0);
    expect(named(bob, 'Crm Keep')).toHaveLength(1);
    expect(await shareItemsOf('Sales', lead.id ?? '')).toBe(0);
  });
});

/** One schedule tick, as EventBridge delivers it, then the imports it started. */
async function scheduleTick(): Promise<void> {
  const { handler } = await import('../../functions/schedule.js');
  const event = JSON.parse(await readFile(new URL('../../events/schedule/tick.json', import.meta.url), 'utf8')) as ScheduledEvent;
  expect((await handler(event)).sources).toMatchObject({ 'sales-crm': 'started' });
  await api.stack.settle();
}

/** How many share items `group` holds for contact `id` (docs/table-design.md, "Group contacts"). */
async function shareItemsOf(group: string, id: string): Promise<number> {
  // The stack has put the handlers' settings into process.env: the same table they use.
  const config = loadConfig();
  const result = await dynamoClient(config).send(
    new QueryCommand({
      TableName: config.contactsTable,
      KeyConditionExpression: 'pk = :pk AND id = :id',
      ExpressionAttributeValues: { ':pk': { S: `group#${group}#${Number.parseInt(id.charAt(0), 16)}` }, ':id': { S: id } },
    }),
  );
  return result.Count ?? 0;
}
