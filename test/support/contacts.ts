import { readFile } from 'node:fs/promises';
import { expect } from 'vitest';
import type { TestStack } from './local-stack.js';

export type ContactJson = Record<string, string>;

/** The contacts `owner` owns (as GET /phonebook/contacts lists them). */
export function ownContacts(api: TestStack, owner: string): Promise<ContactJson[]> {
  return api.contactsOf(owner, { ownOnly: true });
}

/** The contacts `owner` owns, by name (for tests whose names are distinct). */
export async function ownContactsByName(api: TestStack, owner: string): Promise<Map<string, ContactJson>> {
  return new Map((await ownContacts(api, owner)).map((contact) => [contact.name ?? '', contact]));
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

/**
 * Every contact `token`'s user sees in GET /phonebook/contacts, following `next_cursor` page by
 * page (a small `limit` crosses the listing's phase boundaries), and how many pages it took.
 */
export async function visibleContactPages(
  api: TestStack,
  token: string,
  limit: number,
): Promise<{ contacts: ContactJson[]; pages: number }> {
  const contacts: ContactJson[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const query: string = `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const response = await api.request(`/phonebook/contacts${query}`, { token });
    expect(response.status).toBe(200);
    const page = (await response.json()) as { contacts: ContactJson[]; next_cursor: string | null };
    expect(page.contacts.length).toBeLessThanOrEqual(limit);
    contacts.push(...page.contacts);
    cursor = page.next_cursor;
    pages++;
  } while (cursor);
  return { contacts, pages };
}

/** A file of test/fixtures/. */
export function fixture(name: string): Promise<Buffer> {
  return readFile(new URL(`../fixtures/${name}`, import.meta.url));
}
