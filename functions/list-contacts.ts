import { BadRequestError } from '../lib/errors.js';
import { jsonResponse } from '../lib/http/responses.js';
import { configSection } from '../lib/config.js';
import { userRoute } from './layer/http-route.js';
import { contacts } from './wiring/contacts.js';

const { contactsPageSize } = configSection('imports');

function pageSize(raw: string | undefined): number {
  if (raw === undefined) return contactsPageSize;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new BadRequestError('invalid limit', "'limit' must be a whole number from 1 to 1000");
  }
  return limit;
}

/** GET /phonebook/contacts: the caller's contacts, then other users' public ones. */
export const handler = userRoute(async (event, owner) => {
  const query = event.queryStringParameters ?? {};
  const page = await contacts.listVisibleContacts(owner, {
    limit: pageSize(query.limit),
    ...(query.cursor ? { cursor: query.cursor } : {}),
  });
  return jsonResponse(200, { contacts: page.contacts, next_cursor: page.nextCursor });
});
