import { parseMultipartForm } from '../lib/http/multipart.js';
import { jsonResponse } from '../lib/http/responses.js';
import { reportBody, reportCounts, reportStatus } from '../lib/import/report.js';
import { importForm } from '../lib/import/upload-import.js';
import { logger } from '../lib/logger.js';
import { userRoute } from './layer/http-route.js';
import { recordImport } from './layer/observability.js';
import { header, requestBody } from './layer/request.js';
import { importDeps } from './wiring/sync-import.js';

/** POST /phonebook/import/: the caller's own phonebook. */
export const handler = userRoute(
  async (event, owner) => {
    const startedAt = Date.now();
    const form = await parseMultipartForm(requestBody(event), header(event, 'content-type'));
    const report = await importForm(form, owner, importDeps);
    logger.info('import finished', { owner, ...reportCounts(report) });
    recordImport(event, report, startedAt);
    return jsonResponse(reportStatus(report), reportBody(report));
  },
  { limit: 'syncImport' },
);
