import {
  adminOperation,
  csvResponse,
  errorResponse,
  jsonBody,
  jsonResponse,
  pathParameter,
  queryParameter,
  seeOther,
  userOperation,
} from '../operations.js';
import { IMPORT_OPTION_FIELDS, type Schema } from '../schemas.js';

/** The synchronous import form, as lib/import/upload-import.ts reads it. */
function importForm(admin: boolean): Schema {
  return {
    required: true,
    content: {
      'multipart/form-data': {
        schema: {
          type: 'object',
          properties: {
            ...(admin ? { username: { type: 'string', description: 'the registered user whose phonebook receives the rows' } } : {}),
            file: {
              type: 'string',
              format: 'binary',
              description: 'the CSV, vCard or Excel workbook file (found by content; any text when `csv_content` is given)',
            },
            csv_content: { type: 'string', description: 'the CSV as text, instead of a file' },
            delimiter: { type: 'string', description: '`,` `;` or tab (also `comma`, `semicolon`, `tab`); detected when absent' },
            mapping: { type: 'string', description: 'JSON object: source header → column, or null to drop a column' },
            dry_run: { type: 'string', enum: ['true', 'false', '1', '0', 'yes', 'no'], description: 'validate and count, write nothing' },
            empty_cells: IMPORT_OPTION_FIELDS.empty_cells,
            mode: IMPORT_OPTION_FIELDS.mode,
            encoding: IMPORT_OPTION_FIELDS.encoding,
            sheet: IMPORT_OPTION_FIELDS.sheet,
          },
          required: admin ? ['username'] : [],
        },
      },
    },
  };
}

/** The preview's form (lib/import/preview.ts previewForm): the file as an import takes it, and what to show. */
const previewForm: Schema = {
  required: true,
  content: {
    'multipart/form-data': {
      schema: {
        type: 'object',
        properties: {
          file: {
            type: 'string',
            format: 'binary',
            description: 'the CSV, vCard or Excel workbook file, or the first bytes of a CSV or vCard file (`partial=true`)',
          },
          csv_content: { type: 'string', description: 'the file as text, instead of a file' },
          delimiter: { type: 'string', description: 'as for an import; detected when absent' },
          mapping: { type: 'string', description: 'as for an import: JSON object, source header → column or null' },
          partial: {
            type: 'string',
            enum: ['true', 'false', '1', '0', 'yes', 'no'],
            description: '`file` is only the start of a larger file: its last, possibly cut, line is left out',
          },
          rows: { type: 'string', description: 'comma list of up to 100 row numbers (as a report names them) whose cells to return' },
          sheet: IMPORT_OPTION_FIELDS.sheet,
        },
      },
    },
  },
};

const syncImportResponses = (jobsRoute: string, admin: boolean): Record<string, Schema> => ({
  '200': jsonResponse(
    'the report (some rows may have been rejected: see error_messages), with the `import_id` its undo takes',
    'SyncImportReport',
  ),
  '400': jsonResponse(
    'every row rejected (the report itself); or not multipart, malformed multipart, no `file`/`csv_content`, an empty, binary or name-less CSV, a bad `delimiter`/`mapping`/`dry_run`/`empty_cells`/`mode`/`encoding`' +
      (admin ? ', no `username`' : ''),
    'ImportRejected',
  ),
  ...(admin ? { '404': errorResponse('`target user not found`: the username is not registered') } : {}),
  '413': {
    description: `more than SYNC_IMPORT_MAX_ROWS rows (import it as a job: ${jobsRoute}), or a body over the gateway’s limits`,
    content: {
      'application/json': { schema: { oneOf: [{ $ref: '#/components/schemas/TooManyRows' }, { $ref: '#/components/schemas/Error' }] } },
    },
  },
});

const idParameter = pathParameter('id', 'the import id (`import_id` of the job)');
const listLimit = queryParameter('limit', { type: 'integer', minimum: 1, maximum: 100, default: 20 }, 'how many jobs, newest first');

export const importPaths: Record<string, Record<string, Schema>> = {
  '/phonebook/import': {
    post: userOperation({
      operationId: 'importContacts',
      tags: ['import'],
      summary: 'Import a CSV into the caller’s phonebook (synchronous)',
      description: 'Also at `/phonebook/import/`. For files over about 4.4 MB or SYNC_IMPORT_MAX_ROWS rows, use `POST /phonebook/imports`.',
      requestBody: importForm(false),
      responses: syncImportResponses('POST /phonebook/imports', false),
    }),
  },
  '/phonebook/import/preview': {
    post: userOperation({
      operationId: 'previewImport',
      tags: ['import'],
      summary: 'How an import would read a file (format, encoding, delimiter, preset, columns), writing nothing',
      requestBody: previewForm,
      responses: {
        '200': jsonResponse('the preview (a file an import would refuse for its header says why in `header_error`)', 'ImportPreview'),
        '400': errorResponse(
          'not multipart, malformed multipart, no `file`/`csv_content`, an empty or binary file or one whose header row is not CSV (`invalid CSV file`), a bad `delimiter`/`mapping`/`partial`/`rows`',
        ),
      },
    }),
  },
  '/admin/phonebook/import': {
    post: adminOperation({
      operationId: 'adminImportContacts',
      tags: ['admin'],
      summary: 'Import a CSV into a registered user’s phonebook (synchronous)',
      requestBody: importForm(true),
      responses: syncImportResponses('POST /admin/phonebook/imports', true),
    }),
  },
  '/phonebook/imports': {
    post: userOperation({
      operationId: 'createImportJob',
      tags: ['import jobs'],
      summary: 'Create an import job and a presigned upload URL for its file',
      description: 'PUT the file to `upload_url` with `upload_headers`; the import starts when the upload lands.',
      requestBody: jsonBody('CreateUploadRequest'),
      responses: {
        '201': jsonResponse('the job, waiting for its upload', 'CreatedUpload'),
        '400': errorResponse('no or an invalid `size`, or a body that is not a JSON object'),
        '413': errorResponse('`size` over MAX_UPLOAD_BYTES, or over what the owner’s jobs in progress may add up to'),
      },
    }),
    get: userOperation({
      operationId: 'listImportJobs',
      tags: ['import jobs'],
      summary: 'The caller’s recent import jobs, newest first',
      parameters: [listLimit],
      responses: {
        '200': jsonResponse('the jobs', 'ImportJobList'),
        '400': errorResponse('`invalid limit`'),
      },
    }),
  },
  '/admin/phonebook/imports': {
    post: adminOperation({
      operationId: 'adminCreateImportJob',
      tags: ['admin'],
      summary: 'Create an import job for a registered user',
      requestBody: jsonBody('AdminCreateUploadRequest'),
      responses: {
        '201': jsonResponse('the job, waiting for its upload', 'CreatedUpload'),
        '400': errorResponse('no `username`, no or an invalid `size`'),
        '404': errorResponse('`target user not found`'),
        '413': errorResponse('`size` over the limits'),
      },
    }),
    get: adminOperation({
      operationId: 'adminListImportJobs',
      tags: ['admin'],
      summary: 'Any username’s import jobs (failed drop-folder jobs of unregistered names too)',
      parameters: [queryParameter('username', { type: 'string' }, 'whose jobs', true), listLimit],
      responses: {
        '200': jsonResponse('the jobs', 'ImportJobList'),
        '400': errorResponse('no or an invalid `username`, `invalid limit`'),
      },
    }),
  },
  '/phonebook/imports/{id}': {
    get: userOperation({
      operationId: 'getImportJob',
      tags: ['import jobs'],
      summary: 'One of the caller’s jobs: status, progress and, once completed, the report',
      parameters: [idParameter],
      responses: {
        '200': jsonResponse('the job', 'ImportJob'),
        '400': errorResponse('`invalid path`: a malformed %-escape'),
        '404': errorResponse('`import not found` (also another user’s job)'),
      },
    }),
  },
  '/phonebook/imports/{id}/errors.csv': {
    get: userOperation({
      operationId: 'getImportErrors',
      tags: ['import jobs'],
      summary: 'The rejected rows of a completed job: `row,error,<the file’s columns>`',
      parameters: [idParameter],
      responses: {
        '200': csvResponse('the rejected rows, up to 4 MB'),
        '303': seeOther('larger: a 5-minute download link'),
        '400': errorResponse('`invalid path`'),
        '404': errorResponse('no such job, not completed yet, or it rejected no rows'),
      },
    }),
  },
};
