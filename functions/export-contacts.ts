import { memberGroupsFor } from '../lib/groups.js';
import { parseExportFormat } from '../lib/export/export-format.js';
import { logger } from '../lib/logger.js';
import { exportResponse } from './export-response.js';
import { userRoute } from './layer/http-route.js';
import { users } from './wiring/users.js';

/**
 * GET /phonebook/export[?format=csv|vcf]: the caller's own contacts as CSV or vCard 4.0, ready
 * to edit and re-import, then the contacts shared with the caller's groups (read-only to them:
 * see README "Group sharing").
 */
export const handler = userRoute(async (event, owner, caller) => {
  const format = parseExportFormat(event.queryStringParameters?.format);
  const groups = await memberGroupsFor(users, owner, caller.claimedGroups);
  const response = await exportResponse(owner, format, groups);
  logger.info('export finished', { owner, format, groups: groups.length, status: response.statusCode });
  return response;
});
