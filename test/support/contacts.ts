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
