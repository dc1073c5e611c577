import { adminOperation, errorResponse, jsonBody, jsonResponse, queryParameter, seeOther, userOperation } from '../operations.js';
import type { Schema } from '../schemas.js';

const exportResponses = (admin: boolean): Record<string, Schema> => ({
  '200': {
    description:
      '`format=csv`: CSV (UTF-8 with BOM, CRLF), `id` first: edit and import it again; `format=vcf`: vCard 4.0 (UTF-8, CRLF, folded lines), `phonebook.vcf`',
    headers: { 'Content-Disposition': { schema: { type: 'string' }, description: 'attachment; filename="phonebook.csv" (or .vcf)' } },
    content: { 'text/csv': { schema: { type: 'string' } }, 'text/vcard': { schema: { type: 'string' } } },
  },
  '303': seeOther('over EXPORT_INLINE_MAX_BYTES: a 15-minute download link'),
  '400': errorResponse(`\`invalid format\`${admin ? ', `username field is required`' : ''}`),
  ...(admin ? { '404': errorResponse('`target user not found`') } : {}),
});

const exportFormat = queryParameter(
  'format',
  { type: 'string', enum: ['csv', 'vcf'], default: 'csv' },
  'the file format (any case): CSV, or vCard 4.0',
);

export const contactPaths: Record<string, Record<string, Schema>> = {
  '/phonebook/contacts': {
    get: userOperation(
      {
        operationId: 'listContacts',
        tags: ['contacts'],
        summary: 'The caller’s contacts, then other users’ public ones, a page at a time',
        parameters: [
          queryParameter('limit', { type: 'integer', minimum: 1, maximum: 1000 }, 'page size (default CONTACTS_PAGE_SIZE, 100)'),
          queryParameter('cursor', { type: 'string' }, 'the `next_cursor` of the previous page'),
        ],
        responses: {
          '200': jsonResponse('one page', 'ContactPage'),
          '400': errorResponse('`invalid limit` or `invalid cursor`'),
        },
      },
      { capability: false },
    ),
  },
  '/phonebook/contacts/bulk': {
    post: userOperation({
      operationId: 'bulkContacts',
      tags: ['contacts'],
      summary: 'Create or update contacts from JSON, each on its own',
      parameters: [queryParameter('dry_run', { type: 'string', enum: ['true', 'false', '1', '0', 'yes', 'no'] }, 'decide, write nothing')],
      requestBody: jsonBody('BulkRequest'),
      responses: {
        '200': jsonResponse('one entry per contact, in order (null where it failed), and the failures', 'BulkResult'),
        '400': errorResponse('not `{contacts: [...]}` with at least one contact, invalid JSON, or a bad `dry_run`'),
        '413': errorResponse('more than BULK_MAX_CONTACTS contacts, or a body over the gateway’s limits'),
      },
    }),
  },
  '/phonebook/export': {
    get: userOperation({
      operationId: 'exportContacts',
      tags: ['contacts'],
      summary: 'The caller’s own contacts, then those shared with the caller’s groups, as CSV or vCard',
      parameters: [exportFormat],
      responses: exportResponses(false),
    }),
  },
  '/admin/phonebook/export': {
    get: adminOperation({
      operationId: 'adminExportContacts',
      tags: ['admin'],
      summary: 'A registered user’s own contacts as CSV or vCard',
      parameters: [queryParameter('username', { type: 'string' }, 'whose contacts', true), exportFormat],
      responses: exportResponses(true),
    }),
  },
};
