import { logger } from '../lib/logger.js';
import { exportResponse } from './export-response.js';
import { userRoute } from './runtime.js';

/** GET /phonebook/export: the caller's own contacts as CSV, ready to edit and re-import. */
export const handler = userRoute(async (event, owner) => {
  const response = await exportResponse(owner);
  logger.info('export finished', { owner, requestId: event.requestContext.requestId, status: response.statusCode });
  return response;
});
