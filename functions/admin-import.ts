import { parseMultipartForm } from '../lib/http/multipart.js';
import { jsonResponse } from '../lib/http/responses.js';
import { reportCounts } from '../lib/import/report.js';
import { adminImportTarget, importForm } from '../lib/import/upload-import.js';
import { logger } from '../lib/logger.js';
import { adminRoute, header, importDeps, requestBody, users } from './runtime.js';

/** POST /admin/phonebook/import: any registered user's phonebook, named by `username`. */
export const handler = adminRoute(async (event) => {
  const form = await parseMultipartForm(requestBody(event), header(event, 'content-type'));
  const owner = await adminImportTarget(form, users);
  const report = await importForm(form, owner, importDeps, '/admin/phonebook/imports');
  logger.info('admin import finished', { owner, requestId: event.requestContext.requestId, ...reportCounts(report) });
  return jsonResponse(200, report);
}, { limit: 'syncImport' });
