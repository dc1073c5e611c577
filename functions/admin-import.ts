import { parseMultipartForm } from '../lib/http/multipart.js';
import { jsonResponse } from '../lib/http/responses.js';
import { reportBody, reportCounts, reportStatus } from '../lib/import/report.js';
import { adminImportTarget, importForm } from '../lib/import/upload-import.js';
import { logger } from '../lib/logger.js';
import { adminRoute } from './layer/http-route.js';
import { recordImport } from './layer/observability.js';
import { header, requestBody } from './layer/request.js';
import { importDeps } from './wiring/sync-import.js';
import { users } from './wiring/users.js';

/** POST /admin/phonebook/import: any registered user's phonebook, named by `username`. */
export const handler = adminRoute(
  async (event) => {
    const startedAt = Date.now();
    const form = await parseMultipartForm(requestBody(event), header(event, 'content-type'));
    const owner = await adminImportTarget(form, users);
    const report = await importForm(form, owner, importDeps, '/admin/phonebook/imports');
    logger.info('admin import finished', { owner, ...reportCounts(report) });
    recordImport(event, report, startedAt);
    return jsonResponse(reportStatus(report), reportBody(report));
  },
  { limit: 'syncImport' },
);
