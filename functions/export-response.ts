import { configSection } from '../lib/config.js';
import { exportContactsCsv } from '../lib/export/csv-export.js';
import { deliverExport } from '../lib/export/deliver.js';
import { csvResponse, type HttpResponse, seeOtherResponse } from '../lib/http/responses.js';
import { contacts } from './wiring/contacts.js';
import { files } from './wiring/files.js';

const { exportInlineMaxBytes } = configSection('imports');

/**
 * The export of `owner`'s phonebook (and of the contacts shared with `groups`) as the response:
 * the CSV itself while small, otherwise a 303 to a download link, which HTTP clients follow on
 * their own (curl with -L).
 */
export async function exportResponse(owner: string, groups: readonly string[] = []): Promise<HttpResponse> {
  const delivery = await deliverExport(exportContactsCsv(contacts, owner, groups), owner, { inlineMaxBytes: exportInlineMaxBytes, files });
  if (delivery.kind === 'inline') return csvResponse(delivery.body, 'phonebook.csv');
  return seeOtherResponse(delivery.url, { message: 'export ready for download', expires_in: delivery.expiresInSeconds });
}
