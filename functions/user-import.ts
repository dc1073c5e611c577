import { parseMultipartForm } from '../lib/http/multipart.js';
import { jsonResponse } from '../lib/http/responses.js';
import { reportCounts } from '../lib/import/report.js';
import { importForm } from '../lib/import/upload-import.js';
import { logger } from '../lib/logger.js';
import { header, importDeps, requestBody, userRoute } from './runtime.js';

/** POST /phonebook/import/: the caller's own phonebook. */
export const handler = userRoute(async (event, owner) => {
  const form = await parseMultipartForm(requestBody(event), header(event, 'content-type'));
  const report = await importForm(form, owner, importDeps);
  logger.info('import finished', { owner, requestId: event.requestContext.requestId, ...reportCounts(report) });
  return jsonResponse(200, report);
}, { limit: 'syncImport' });

