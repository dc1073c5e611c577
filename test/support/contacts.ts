import { expect } from 'vitest';
import type { TestStack } from './local-stack.js';

export type ContactJson = Record<string, string>;

/** Every contact GET /phonebook/contacts shows `token`'s user, following the cursor. */
export async function listVisible(api: TestStack, token: string): Promise<ContactJson[]> {
  const contacts: ContactJson[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
    const response = await api.request(`/phonebook/contacts${query}`, { token });
    expect(response.status).toBe(200);
    const page = (await response.json()) as { contacts: ContactJson[]; next_cursor: string | null };
    contacts.push(...page.contacts);
    cursor = page.next_cursor;
  } while (cursor);
  return contacts;
}

/** The contacts `owner` owns. */
export async function ownContacts(api: TestStack, token: string, owner: string): Promise<ContactJson[]> {
  return (await listVisible(api, token)).filter((contact) => contact.owner === owner);
}

/** The contacts `owner` owns, by name (for tests whose names are distinct). */
export async function ownContactsByName(api: TestStack, token: string, owner: string): Promise<Map<string, ContactJson>> {
  return new Map((await ownContacts(api, token, owner)).map((contact) => [contact.name ?? '', contact]));
}

/** POSTs a CSV (bytes or text) to the user import with extra form fields; returns status and JSON. */
export async function importCsv(
  api: TestStack,
  token: string,
  csv: Buffer | string,
  fields: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const file = typeof csv === 'string' ? Buffer.from(csv, 'utf8') : csv;
  const response = await api.postForm('/phonebook/import', { ...fields, file }, { authorization: `Bearer ${token}` });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
