import { logger } from '../lib/logger.js';
import { exportResponse } from './export-response.js';
import { userRoute } from './layer/http-route.js';

/** GET /phonebook/export: the caller's own contacts as CSV, ready to edit and re-import. */
export const handler = userRoute(async (_event, owner) => {
  const response = await exportResponse(owner);
  logger.info('export finished', { owner, status: response.statusCode });
  return response;
});
