import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/local-stack.js';

let api: TestStack;
beforeAll(async () => {
  api = await startTestStack();
});
afterAll(async () => {
  await api?.close();
});

/** A file part that never reaches its closing boundary: what a cut-off upload looks like. */
const TRUNCATED_BODY = '--XB\r\nContent-Disposition: form-data; name="file"; filename="c.csv"\r\nContent-Type: text/csv\r\n\r\nname\nX\n';

function postRaw(path: string, body: string, headers: Record<string, string>): Promise<Response> {
  return api.request(path, { method: 'POST', body, headers });
}

describe('a truncated multipart upload', () => {
  it('answers 400 on the user route and the next request is served', async () => {
    const token = await api.userToken('john.smith');
    const response = await postRaw('/phonebook/import/', TRUNCATED_BODY, {
      'content-type': 'multipart/form-data; boundary=XB',
      authorization: `Bearer ${token}`,
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { message: string; error: string };
    expect(body.message).toBe('malformed multipart/form-data request');
    expect(body.error).toMatch(/Unexpected end of form/);

    const next = await api.postForm(
      '/phonebook/import/',
      { file: Buffer.from('name\nAfter Truncation\n') },
      { authorization: `Bearer ${token}` },
    );
    expect(next.status).toBe(200);
    expect(((await next.json()) as { imported_rows: number }).imported_rows).toBe(1);
  });

  it('answers 400 on the admin route and the next request is served', async () => {
    const body = `--XB\r\nContent-Disposition: form-data; name="username"\r\n\r\njohn.smith\r\n${TRUNCATED_BODY}`;
    const response = await postRaw('/admin/phonebook/import', body, {
      'content-type': 'multipart/form-data; boundary=XB',
      authorization: `Bearer ${api.adminToken}`,
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toBe('malformed multipart/form-data request');

    const next = await api.request('/phonebook/contacts', { token: await api.userToken('john.smith', []) });
    expect(next.status).toBe(200);
  });
});

describe('malformed values in paths and queries are the client’s fault', () => {
  it('answers 400 for a malformed %-encoding in a username', async () => {
    const response = await api.request('/admin/users/%E0%A4%A', { method: 'PUT', token: api.adminToken });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toBe('invalid path');
  });

  it('answers 400 for a malformed %-encoding in a job id', async () => {
    const token = await api.userToken('john.smith');
    for (const path of ['/phonebook/imports/%E0%A4%A', '/phonebook/imports/%ZZ/errors.csv']) {
      const response = await api.request(path, { token });
      expect(response.status, path).toBe(400);
    }
  });

  it('answers 400 for crafted contact-list cursors, never another phonebook', async () => {
    const token = await api.userToken('john.smith', []);
    const crafted = [
      { s: 0, k: { pk: 'jane.doe#0', id: 'x' } },
      { s: 0, k: { pk: { S: 'x' } } },
      { s: 0, k: { id: 5 } },
      { s: 0, k: 'string' },
      { s: 0, k: { id: 'a', extra: 'b' } },
      { s: 20, k: { publicPk: 'public#1', id: 'x', pk: 'nobody#99' } },
      { s: 1.5 },
      { s: -1 },
      [1, 2],
      null,
    ].map((value) => Buffer.from(JSON.stringify(value)).toString('base64url'));
    for (const cursor of [...crafted, '!!!', 'e30', '%', 'a'.repeat(5000)]) {
      const response = await api.request(`/phonebook/contacts?cursor=${encodeURIComponent(cursor)}`, { token });
      expect(response.status, cursor).toBe(400);
      expect(((await response.json()) as { message: string }).message).toBe('invalid cursor');
    }
  });

  it('still follows the cursors it hands out', async () => {
    const owner = await api.userToken('jane.doe');
    const rows = Array.from({ length: 5 }, (_, i) => `Cursor Person ${i},public`).join('\n');
    expect(
      (await api.postForm('/phonebook/import/', { file: Buffer.from(`name,type\n${rows}\n`) }, { authorization: `Bearer ${owner}` }))
        .status,
    ).toBe(200);
    const seen = await api.contactsOf('john.smith', { pageSize: 2 });
    expect(seen.filter((contact) => (contact.name ?? '').startsWith('Cursor Person'))).toHaveLength(5);
  });
});

describe('names that are also members of Object.prototype', () => {
  it('answers 400 for a delimiter of toString or __proto__, not 500', async () => {
    const token = await api.userToken('john.smith');
    for (const delimiter of ['toString', '__proto__', 'constructor', 'hasOwnProperty']) {
      const response = await api.postForm(
        '/phonebook/import/',
        { file: Buffer.from('name\nX\n'), delimiter },
        { authorization: `Bearer ${token}` },
      );
      expect(response.status, delimiter).toBe(400);
      expect(((await response.json()) as { message: string }).message).toBe('invalid delimiter');
    }
  });

  it('reads form parts named __proto__ or toString as plain parts', async () => {
    const token = await api.userToken('john.smith');
    const response = await api.postForm(
      '/phonebook/import/',
      // fromEntries makes '__proto__' an own key, as a part name must be.
      Object.fromEntries<string | Buffer>([
        ['__proto__', 'x'],
        ['toString', 'y'],
        ['constructor', 'z'],
        ['file', Buffer.from('name\nPrototype Person\n')],
      ]),
      { authorization: `Bearer ${token}` },
    );
    expect(response.status).toBe(200);
    expect(((await response.json()) as { imported_rows: number }).imported_rows).toBe(1);
  });
});
