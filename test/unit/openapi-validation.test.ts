import { describe, expect, it } from 'vitest';
import { assertDocumentedResponse } from '../support/openapi-validation.js';

const API = 'http://127.0.0.1:8080';
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });

describe('checking a response against the OpenAPI document', () => {
  it('accepts a documented status with a body of its schema', async () => {
    await expect(
      assertDocumentedResponse('GET', `${API}/phonebook/contacts?limit=5`, json(200, { contacts: [], next_cursor: null })),
    ).resolves.toBeUndefined();
    await expect(
      assertDocumentedResponse(
        'PUT',
        `${API}/admin/users/ada`,
        json(201, {
          username: 'ada',
          created_at: '2026-01-01T00:00:00.000Z',
          groups: ['Sales'],
          import_options: { dry_run: false, empty_cells: 'unset', mode: 'upsert' },
        }),
      ),
    ).resolves.toBeUndefined();
  });

  it('refuses a field the schema does not list, naming the request', async () => {
    const response = json(200, { contacts: [], next_cursor: null, total: 3 });
    await expect(assertDocumentedResponse('GET', `${API}/phonebook/contacts`, response)).rejects.toThrow(
      /GET \/phonebook\/contacts → 200: the body does not match[\s\S]*additional properties/,
    );
  });

  it('refuses a status the operation does not list', async () => {
    await expect(assertDocumentedResponse('GET', `${API}/phonebook/contacts`, json(409, { message: 'conflict' }))).rejects.toThrow(
      /status 409 is not among the documented/,
    );
  });

  it('refuses a media type the response does not list', async () => {
    const csv = new Response('id,name\r\n', { status: 200, headers: { 'content-type': 'text/csv' } });
    await expect(assertDocumentedResponse('GET', `${API}/phonebook/contacts`, csv)).rejects.toThrow(/media type 'text\/csv'/);
  });

  it('refuses an answer other than the gateway’s 404 on a route the document does not list', async () => {
    await expect(assertDocumentedResponse('GET', `${API}/phonebook/nowhere`, json(200, { ok: true }))).rejects.toThrow(
      /the route is not in the OpenAPI document/,
    );
    await expect(
      assertDocumentedResponse('GET', `${API}/phonebook/nowhere`, json(404, { message: 'no such route' })),
    ).resolves.toBeUndefined();
  });

  it('takes the shared refusals from components and leaves the body readable', async () => {
    const response = json(401, { code: 401, message: 'authorization required' });
    await assertDocumentedResponse('POST', `${API}/phonebook/import/`, response);
    expect(await response.json()).toEqual({ code: 401, message: 'authorization required' });
    await expect(assertDocumentedResponse('POST', `${API}/phonebook/import`, json(401, { message: 'no code' }))).rejects.toThrow(
      /must have required property 'code'/,
    );
  });
});
