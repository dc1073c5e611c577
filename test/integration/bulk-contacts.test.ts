import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownContactsByName } from '../support/contacts.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

let api: TestStack;
beforeAll(async () => {
  api = await startTestStack({ env: { BULK_MAX_CONTACTS: '50' } });
});
afterAll(async () => {
  await api?.close();
});

async function bulk(token: string, body: unknown, query = ''): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await api.request(`/phonebook/contacts/bulk${query}`, {
    token,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('POST /phonebook/contacts/bulk', () => {
  it('writes the valid contacts and reports each failed one by index, code and status', async () => {
    const token = await api.userToken('bulk.user');
    const { status, body } = await bulk(token, {
      contacts: [
        { name: 'Ada Lovelace', cellphone: '+44 1', type: 'public' },
        { name: 'Bad Type', type: 'business' },
        { cellphone: '123' },
        { id: 'f'.repeat(32), name: 'Ghost' },
        { name: 'ada lovelace' },
        { name: 'Grace', nickname: 'Amazing', workphone: 42 },
      ],
    });
    expect(status).toBe(200);
    const contacts = body.contacts as Array<Record<string, string> | null>;
    expect(contacts).toHaveLength(6);
    expect(contacts[0]).toMatchObject({ name: 'Ada Lovelace', cellphone: '+44 1', type: 'public', result: 'created', owner: 'bulk.user' });
    expect(contacts.slice(1)).toEqual([null, null, null, null, null]);
    expect(body.failed_contacts).toEqual([
      {
        index: 1,
        error_code: 'invalid',
        error_message: "invalid type 'business' (must be 'private', 'public', or 'group:<group1,group2>')",
        status_code: 400,
      },
      { index: 2, error_code: 'invalid', error_message: 'name is empty', status_code: 400 },
      { index: 3, error_code: 'not_found', error_message: `contact ${'f'.repeat(32)} not found`, status_code: 404 },
      { index: 4, error_code: 'duplicate', error_message: 'same contact as index 0', status_code: 409 },
      { index: 5, error_code: 'invalid', error_message: "unknown field 'nickname'; field 'workphone' must be a string", status_code: 400 },
    ]);
    const stored = await ownContactsByName(api, 'bulk.user');
    expect([...stored.keys()]).toEqual(['Ada Lovelace']);
  });

  it('updates by id, leaving fields not sent untouched and unsetting null ones', async () => {
    const token = await api.userToken('bulk.updater');
    const created = await bulk(token, { contacts: [{ name: 'Linus', company: 'Kernel', workemail: 'l@example.org', cellphone: '1' }] });
    const id = (created.body.contacts as Array<{ id: string }>)[0]?.id;
    const { body } = await bulk(token, {
      contacts: [
        { id, cellphone: '2', workemail: null },
        { id, company: 'Kernel' },
      ],
    });
    expect(body.failed_contacts).toEqual([
      { index: 1, error_code: 'duplicate', error_message: 'same contact as index 0', status_code: 409 },
    ]);
    expect((body.contacts as unknown[])[0]).toMatchObject({ id, result: 'updated', cellphone: '2', workemail: '', company: 'Kernel' });
    const again = await bulk(token, { contacts: [{ id, cellphone: '2' }] });
    expect((again.body.contacts as unknown[])[0]).toMatchObject({ result: 'unchanged' });
  });

  it('validates and answers on a dry run without writing', async () => {
    const token = await api.userToken('bulk.dry');
    const { body } = await bulk(token, { contacts: [{ name: 'Nobody Yet' }] }, '?dry_run=true');
    expect(body).toMatchObject({ dry_run: true, failed_contacts: [] });
    expect((body.contacts as unknown[])[0]).toMatchObject({ result: 'created' });
    expect((await ownContactsByName(api, 'bulk.dry')).size).toBe(0);
  });

  it('answers 413 beyond the documented maximum per request', async () => {
    const token = await api.userToken('bulk.big');
    const contacts = Array.from({ length: 51 }, (_, i) => ({ name: `C${i}` }));
    const { status, body } = await bulk(token, { contacts });
    expect(status).toBe(413);
    expect(body).toEqual({ message: 'too many contacts: 51, at most 50 per request' });
  });

  it('answers 400 for a body that is not JSON, or has no contacts array', async () => {
    const token = await api.userToken('bulk.bad');
    expect((await bulk(token, '{not json')).status).toBe(400);
    const { status, body } = await bulk(token, { items: [] });
    expect(status).toBe(400);
    expect(body).toEqual({ message: 'invalid request body', error: "send a JSON object with a 'contacts' array" });
  });
});
