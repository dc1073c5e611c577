import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/local-stack.js';

let api: TestStack;
beforeAll(async () => {
  api = await startTestStack();
});
afterAll(async () => {
  await api?.close();
});

const CSV = Buffer.from('name,type\nAda Lovelace,public\n');

describe('user routes', () => {
  it('answer 401 without a token', async () => {
    const response = await api.postForm('/phonebook/import/', { file: CSV });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ code: 401, message: 'authorization required' });
  });

  it('answer 401 for a token signed with another secret', async () => {
    const { mintUserToken } = await import('../../lib/auth/jwt.js');
    const forged = await mintUserToken('not-the-local-secret-at-all', 'john.smith', ['phonebook.ad_phonebook']);
    const response = await api.postForm('/phonebook/import/', { file: CSV }, { authorization: `Bearer ${forged}` });
    expect(response.status).toBe(401);
  });

  it('answer 403 without the phonebook.ad_phonebook capability', async () => {
    const token = await api.userToken('jane.doe', ['phonebook.other']);
    const response = await api.postForm('/phonebook/import/', { file: CSV }, { authorization: `Bearer ${token}` });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ code: 403, message: 'forbidden: missing capability' });
  });

  it('serve the import with and without the trailing slash', async () => {
    const token = await api.userToken('jane.doe');
    for (const path of ['/phonebook/import', '/phonebook/import/']) {
      const response = await api.postForm(path, { file: CSV }, { authorization: `Bearer ${token}` });
      expect(response.status).toBe(200);
    }
  });

  it('answer 400 with message and error when the file is missing', async () => {
    const token = await api.userToken('jane.doe');
    const response = await api.postForm('/phonebook/import/', { other: 'x' }, { authorization: `Bearer ${token}` });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { message: string; error: string };
    expect(body.message).toBe('file required');
    expect(body.error).toMatch(/form file field named 'file'/);
  });

  it('answer 400 for a body that is not multipart', async () => {
    const token = await api.userToken('jane.doe');
    const response = await api.request('/phonebook/import/', {
      method: 'POST',
      token,
      body: 'name\nA\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ message: 'expected a multipart/form-data request' });
  });

  it('answer 400 naming the problem for a CSV without a name column, and for a binary file', async () => {
    const token = await api.userToken('jane.doe');
    const noName = await api.postForm('/phonebook/import/', { file: Buffer.from('email\na@b.c\n') }, { authorization: `Bearer ${token}` });
    expect(noName.status).toBe(400);
    expect(await noName.json()).toEqual({ message: 'invalid CSV file', error: "the header row has no 'name' column (found: email)" });
    const binary = await api.postForm(
      '/phonebook/import/',
      { file: Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x08, 0x00]) },
      { authorization: `Bearer ${token}` },
    );
    expect(binary.status).toBe(400);
    // A zip's first bytes are read as a workbook's (see xlsx.test.ts); this one is cut short.
    expect(await binary.json()).toMatchObject({
      error:
        'the workbook is incomplete: the file ends before the end of its zip archive (cut short?); upload the whole file again, or save it as CSV',
    });
  });

  it('answer 413 pointing to the large-file path for a body over the Lambda request limit', async () => {
    const token = await api.userToken('jane.doe');
    const big = Buffer.alloc(5 * 1024 * 1024, 'a,');
    const response = await api.postForm('/phonebook/import/', { file: big }, { authorization: `Bearer ${token}` });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { message: string }).message).toMatch(/POST \/phonebook\/imports/);
  });

  it('answer 413 for a body over the API Gateway limit', async () => {
    const token = await api.userToken('jane.doe');
    const response = await api.postForm(
      '/phonebook/import/',
      { file: Buffer.alloc(11 * 1024 * 1024, 'a') },
      { authorization: `Bearer ${token}` },
    );
    expect(response.status).toBe(413);
  });
});

describe('admin routes', () => {
  const admin = () => ({ authorization: `Bearer ${api.adminToken}` });

  it('import into the named user phonebook', async () => {
    const response = await api.postForm(
      '/admin/phonebook/import',
      { username: 'john.smith', file: Buffer.from('name,type\nA,private\nB,business\n') },
      admin(),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      message: 'phonebook import completed',
      total_rows: 2,
      imported_rows: 1,
      failed_rows: 0,
      skipped_rows: 1,
      created_rows: 1,
      updated_rows: 0,
      unchanged_rows: 0,
      dry_run: false,
      error_messages: ["Row 3: invalid type 'business' (must be 'private', 'public', or 'group:<group1,group2>')"],
      // The id that undoes this import (POST /phonebook/imports/{id}/undo); clients of the reference ignore it.
      import_id: expect.stringMatching(/^[0-9a-z]{9}-[0-9a-f]{16}$/),
    });
  });

  it('answer 401 without the super-admin token, or with a wrong one, or with a user JWT', async () => {
    const userJwt = await api.userToken('john.smith');
    const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer wrong' }, { authorization: `Bearer ${userJwt}` }];
    for (const headers of attempts) {
      const response = await api.postForm('/admin/phonebook/import', { username: 'john.smith', file: CSV }, headers);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ code: 401, message: 'super admin authentication required' });
    }
  });

  it('answer 400 without username and 404 for an unknown one', async () => {
    const missing = await api.postForm('/admin/phonebook/import', { file: CSV }, admin());
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ message: 'username field is required' });
    const unknown = await api.postForm('/admin/phonebook/import', { username: 'nobody', file: CSV }, admin());
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ message: 'target user not found' });
  });

  it('answer 400 with message and error when the file is missing', async () => {
    const response = await api.postForm('/admin/phonebook/import', { username: 'john.smith' }, admin());
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ message: 'file required' });
  });

  it('register a user once (201) and confirm it afterwards (200), after which imports reach it', async () => {
    const first = await api.request('/admin/users/new.person', { method: 'PUT', token: api.adminToken });
    expect(first.status).toBe(201);
    const again = await api.request('/admin/users/new.person', { method: 'PUT', token: api.adminToken });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { created_at: string }).created_at).toBe(((await first.json()) as { created_at: string }).created_at);
    const response = await api.postForm('/admin/phonebook/import', { username: 'new.person', file: CSV }, admin());
    expect(response.status).toBe(200);
  });

  it('refuse to register a username outside the safe alphabet', async () => {
    const response = await api.request('/admin/users/bad%23name', { method: 'PUT', token: api.adminToken });
    expect(response.status).toBe(400);
  });

  it('ignore X-Forwarded-For: a spoofed outside address does not lock a loopback admin out', async () => {
    const response = await api.postForm(
      '/admin/phonebook/import',
      { username: 'john.smith', file: CSV },
      { ...admin(), 'x-forwarded-for': '203.0.113.7' },
    );
    expect(response.status).toBe(200);
  });
});

describe('unknown routes', () => {
  it('answer 404', async () => {
    const response = await api.request('/nothing/here');
    expect(response.status).toBe(404);
  });
});
