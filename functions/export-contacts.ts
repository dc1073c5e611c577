import { memberGroupsFor } from '../lib/groups.js';
import { logger } from '../lib/logger.js';
import { exportResponse } from './export-response.js';
import { userRoute } from './layer/http-route.js';
import { users } from './wiring/users.js';

/**
 * GET /phonebook/export: the caller's own contacts as CSV, ready to edit and re-import, then
 * the contacts shared with the caller's groups (read-only to them: see README "Group sharing").
 */
export const handler = userRoute(async (_event, owner, caller) => {
  const groups = await memberGroupsFor(users, owner, caller.claimedGroups);
  const response = await exportResponse(owner, groups);
  logger.info('export finished', { owner, groups: groups.length, status: response.statusCode });
  return response;
});
