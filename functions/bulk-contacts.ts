import { configSection } from '../lib/config.js';
import { jsonResponse } from '../lib/http/responses.js';
import { bulkUpsert } from '../lib/import/bulk.js';
import { parseFlag } from '../lib/import/upload-import.js';
import { logger } from '../lib/logger.js';
import { userRoute } from './layer/http-route.js';
import { recordImport } from './layer/observability.js';
import { jsonBody } from './layer/request.js';
import { contacts } from './wiring/contacts.js';

const { bulkMaxContacts } = configSection('imports');

/** POST /phonebook/contacts/bulk[?dry_run=true]: create or update the caller's contacts. */
export const handler = userRoute(
  async (event, owner) => {
    const startedAt = Date.now();
    const dryRun = parseFlag('dry_run', event.queryStringParameters?.dry_run);
    const result = await bulkUpsert(jsonBody(event), owner, contacts, { maxContacts: bulkMaxContacts, dryRun });
    const failed = result.failed_contacts.length;
    logger.info('bulk finished', { owner, contacts: result.contacts.length, failed, dryRun });
    if (!dryRun) recordImport(event, { imported_rows: result.contacts.length - failed, skipped_rows: 0, failed_rows: failed }, startedAt);
    return jsonResponse(200, result);
  },
  { limit: 'bulk' },
);
