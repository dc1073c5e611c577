import { logger } from '../lib/logger.js';
import { requireRegisteredUser } from '../lib/users.js';
import { exportResponse } from './export-response.js';
import { adminRoute } from './layer/http-route.js';
import { users } from './wiring/users.js';

/** GET /admin/phonebook/export?username=: any registered user's contacts, as super admin. */
export const handler = adminRoute(async (event) => {
  const owner = await requireRegisteredUser(event.queryStringParameters?.username, users);
  const response = await exportResponse(owner);
  logger.info('admin export finished', { owner, status: response.statusCode });
  return response;
});
