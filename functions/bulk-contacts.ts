import { jsonResponse } from '../lib/http/responses.js';
import { bulkUpsert } from '../lib/import/bulk.js';
import { parseFlag } from '../lib/import/upload-import.js';
import { logger } from '../lib/logger.js';
import { config, contacts, jsonBody, userRoute } from './runtime.js';

/** POST /phonebook/contacts/bulk[?dry_run=true]: create or update the caller's contacts. */
export const handler = userRoute(async (event, owner) => {
  const dryRun = parseFlag('dry_run', event.queryStringParameters?.dry_run);
  const result = await bulkUpsert(jsonBody(event), owner, contacts, { maxContacts: config.bulkMaxContacts, dryRun });
  logger.info('bulk finished', {
    owner,
    requestId: event.requestContext.requestId,
    contacts: result.contacts.length,
    failed: result.failed_contacts.length,
    dryRun,
  });
  return jsonResponse(200, result);
}, { limit: 'bulk' });
