import { BadRequestError } from '../lib/errors.js';
import { jsonResponse } from '../lib/http/responses.js';
import { configSection } from '../lib/config.js';
import { memberGroupsFor } from '../lib/groups.js';
import { userRoute } from './layer/http-route.js';
import { contacts } from './wiring/contacts.js';
import { users } from './wiring/users.js';

const { contactsPageSize } = configSection('imports');

function pageSize(raw: string | undefined): number {
  if (raw === undefined) return contactsPageSize;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new BadRequestError('invalid limit', "'limit' must be a whole number from 1 to 1000");
  }
  return limit;
}

/**
 * GET /phonebook/contacts: the caller's contacts, then other users' public ones, then those
 * shared with a group the caller belongs to.
 */
export const handler = userRoute(async (event, owner, caller) => {
  const query = event.queryStringParameters ?? {};
  const limit = pageSize(query.limit);
  const groups = await memberGroupsFor(users, owner, caller.claimedGroups);
  const page = await contacts.listVisibleContacts(owner, {
    limit,
    groups,
    ...(query.cursor ? { cursor: query.cursor } : {}),
  });
  return jsonResponse(200, { contacts: page.contacts, next_cursor: page.nextCursor });
});
