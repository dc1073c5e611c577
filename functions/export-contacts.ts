import { parseExportFormat } from '../lib/export/export-format.js';
import { logger } from '../lib/logger.js';
import { exportResponse } from './export-response.js';
import { userRoute } from './layer/http-route.js';

/** GET /phonebook/export[?format=csv|vcf]: the caller's own contacts as CSV or vCard 4.0, ready to edit and re-import. */
export const handler = userRoute(async (event, owner) => {
  const format = parseExportFormat(event.queryStringParameters?.format);
  const response = await exportResponse(owner, format);
  logger.info('export finished', { owner, format, status: response.statusCode });
  return response;
});
