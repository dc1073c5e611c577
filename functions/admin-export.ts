import { parseExportFormat } from '../lib/export/export-format.js';
import { logger } from '../lib/logger.js';
import { requireRegisteredUser } from '../lib/users.js';
import { exportResponse } from './export-response.js';
import { adminRoute } from './layer/http-route.js';
import { users } from './wiring/users.js';

/** GET /admin/phonebook/export?username=[&format=csv|vcf]: any registered user's contacts, as super admin. */
export const handler = adminRoute(async (event) => {
  const format = parseExportFormat(event.queryStringParameters?.format);
  const owner = await requireRegisteredUser(event.queryStringParameters?.username, users);
  const response = await exportResponse(owner, format);
  logger.info('admin export finished', { owner, format, status: response.statusCode });
  return response;
});
