import { configSection } from '../lib/config.js';
import { deliverExport } from '../lib/export/deliver.js';
import { EXPORT_FORMATS, type ExportFormat } from '../lib/export/export-format.js';
import { csvResponse, type HttpResponse, seeOtherResponse } from '../lib/http/responses.js';
import { contacts } from './wiring/contacts.js';
import { files } from './wiring/files.js';

const { exportInlineMaxBytes } = configSection('imports');

/**
 * The export of `owner`'s phonebook (and of the contacts shared with `groups`) as the response,
 * in `format` (CSV or vCard): the file itself while small, otherwise a 303 to a download link,
 * which HTTP clients follow on their own (curl with -L).
 */
export async function exportResponse(owner: string, format: ExportFormat = 'csv', groups: readonly string[] = []): Promise<HttpResponse> {
  const file = EXPORT_FORMATS[format];
  const delivery = await deliverExport(file.write(contacts, owner, groups), owner, { inlineMaxBytes: exportInlineMaxBytes, files, file });
  if (delivery.kind === 'inline') return csvResponse(delivery.body, file.filename, file.contentType);
  return seeOtherResponse(delivery.url, { message: 'export ready for download', expires_in: delivery.expiresInSeconds });
}
