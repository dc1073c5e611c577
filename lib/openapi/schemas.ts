import { CONTACT_FIELDS } from '../contacts/fields.js';
import { SOURCE_ENCODINGS } from '../csv/encodings.js';
import { DELIMITERS, EMPTY_CELLS, FILE_FORMATS, IMPORT_MODES } from '../import/option-values.js';

/**
 * The reusable parts of the OpenAPI document (lib/openapi/document.ts): the JSON Schemas of
 * the bodies the API answers, the error answers every route shares, and the two security
 * schemes. Response schemas are closed (`additionalProperties: false`): the integration tests
 * validate every response against them, so a field added to an answer without a line here fails.
 */

/** JSON Schema 2020-12, as OpenAPI 3.1 uses it; kept loose: the document is data, not code. */
export type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

const closed = (properties: Record<string, Schema>, required: string[] = Object.keys(properties)): Schema => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});

const text: Schema = { type: 'string' };
const count: Schema = { type: 'integer', minimum: 0 };
const timestamp: Schema = { type: 'string', format: 'date-time' };

const contactFieldsSchema = Object.fromEntries(CONTACT_FIELDS.map((field) => [field, text]));

const REPORT_FIELDS: Record<string, Schema> = {
  message: { type: 'string', examples: ['phonebook import completed'] },
  total_rows: { ...count, description: 'imported_rows + failed_rows + skipped_rows' },
  imported_rows: count,
  failed_rows: { ...count, description: 'rows storage refused after retries (our fault, never the file’s)' },
  skipped_rows: { ...count, description: 'invalid rows, each named in error_messages, and rows the mode left alone' },
  created_rows: count,
  updated_rows: count,
  unchanged_rows: count,
  existing_rows: {
    ...count,
    description: 'of skipped_rows, contacts already stored that `mode=create_only` left alone; present when not zero',
  },
  unmatched_rows: {
    ...count,
    description: 'of skipped_rows, rows matching no stored contact under `mode=update_only`; present when not zero',
  },
  dry_run: { type: 'boolean' },
  error_messages: {
    type: 'array',
    items: text,
    description: 'at most IMPORT_MAX_ERROR_MESSAGES messages (`Row N: ...`), then one line saying how many more there were',
  },
};
const OPTIONAL_REPORT_FIELDS = ['existing_rows', 'unmatched_rows'];
const REQUIRED_REPORT_FIELDS = Object.keys(REPORT_FIELDS).filter((field) => !OPTIONAL_REPORT_FIELDS.includes(field));

const IMPORT_REPORT = closed(REPORT_FIELDS, REQUIRED_REPORT_FIELDS);

/** The synchronous routes' report: the same, with the id that `POST /phonebook/imports/{id}/undo` takes. */
const SYNC_IMPORT_REPORT = closed(
  {
    ...REPORT_FIELDS,
    import_id: {
      ...text,
      description: 'this import’s id, for its undo and `GET /phonebook/imports/{id}`; absent on a dry run (nothing to undo)',
    },
  },
  // A header-only file (no row, no message) is answered without `error_messages`, as the reference answers it.
  REQUIRED_REPORT_FIELDS.filter((field) => field !== 'error_messages'),
);

/** The import options as a job, a source or a user shows them (lib/import/import-options.ts importOptionsView): defaults spelt out. */
const IMPORT_OPTIONS_VIEW = closed(
  {
    delimiter: { type: 'string', enum: [...DELIMITERS], description: 'absent: detected from the header row' },
    mapping: {
      type: 'object',
      additionalProperties: { type: ['string', 'null'] },
      description: 'normalised source header → column, or null: the column is dropped',
    },
    dry_run: { type: 'boolean' },
    empty_cells: { type: 'string', enum: [...EMPTY_CELLS] },
    mode: { type: 'string', enum: [...IMPORT_MODES] },
    encoding: { type: 'string', enum: [...SOURCE_ENCODINGS], description: 'absent: detected' },
    sheet: { type: 'string', description: 'a workbook’s sheet by name; absent: the first' },
  },
  ['dry_run', 'empty_cells', 'mode'],
);

/**
 * The import options a request sets (a job's JSON body, a source's or a user's `import_options`):
 * JSON values or the strings a form would send; absent, null or empty means the default.
 */
export const IMPORT_OPTION_FIELDS: Record<string, Schema> = {
  delimiter: { type: ['string', 'null'], description: '`,` `;` or tab (also `comma`, `semicolon`, `tab`, `\\t`); detected when absent' },
  mapping: {
    type: ['object', 'string', 'null'],
    additionalProperties: { type: ['string', 'null'] },
    description:
      'source header → column (`name`, `workemail`, ..., `firstname`, `middlename`, `lastname`, `id`), or null to drop a column; as an object, or its JSON text',
  },
  dry_run: { type: ['boolean', 'string', 'null'], description: '`true` (also `1`, `yes`): decide every row, write nothing' },
  empty_cells: {
    type: ['string', 'null'],
    enum: [...EMPTY_CELLS, null],
    default: 'unset',
    description: '`unset`: an empty cell clears the stored value; `keep`: it never erases one',
  },
  mode: {
    type: ['string', 'null'],
    enum: [...IMPORT_MODES, null],
    default: 'upsert',
    description: '`upsert`: create or update; `create_only`: stored contacts are left alone; `update_only`: nothing is created',
  },
  encoding: {
    type: ['string', 'null'],
    description: `the file’s encoding instead of detecting it: ${SOURCE_ENCODINGS.join(', ')} (any case; aliases such as cp1251, latin2, sjis)`,
  },
  sheet: {
    type: ['string', 'null'],
    maxLength: 31,
    description: 'an Excel workbook’s sheet by name (any case); absent: the first sheet. An unknown name is a 400 listing the sheets',
  },
};

/** An `import_options` object: the options and nothing else (an unknown name is a 400). */
const IMPORT_OPTIONS_REQUEST: Schema = {
  type: ['object', 'null'],
  properties: IMPORT_OPTION_FIELDS,
  additionalProperties: false,
  description: 'the import options of every import path; `{}` or null: the defaults',
};

/** An undo's report (lib/jobs/undo-import.ts undoView), in the job view and in the undo routes' answer. */
const UNDO_FIELDS: Record<string, Schema> = {
  status: { type: 'string', enum: ['done', 'running'] },
  undone: { ...count, description: 'deleted + restored + unchanged' },
  deleted: { ...count, description: 'contacts the import created, deleted' },
  restored: { ...count, description: 'contacts it changed or removed, holding their previous value again' },
  unchanged: { ...count, description: 'contacts that already held their previous value' },
  conflicts: { ...count, description: 'contacts changed since the import, left as they are' },
  conflict_ids: { type: 'array', items: text, maxItems: 100, description: 'the first 100 conflicting contacts' },
  started_at: timestamp,
  finished_at: { ...timestamp, description: 'once done' },
};
const UNDO_REQUIRED = Object.keys(UNDO_FIELDS).filter((field) => field !== 'finished_at');

const JOB_STATUS: Schema = { type: 'string', enum: ['waiting_upload', 'queued', 'running', 'completed', 'failed'] };

const JOB_VIEW = closed(
  {
    import_id: text,
    status: JOB_STATUS,
    origin: {
      type: 'string',
      enum: ['upload', 'drop', 'schedule', 'sync'],
      description: 'presigned upload, drop folder, scheduled source, or a synchronous import (recorded once finished, to be undone)',
    },
    object_key: text,
    etag: { ...text, description: 'the S3 version of the file this job imports' },
    source_id: text,
    mode: { type: 'string', enum: ['merge', 'replace'], description: 'the source’s mode (scheduled jobs)' },
    import_options: ref('ImportOptions'),
    created_at: timestamp,
    updated_at: timestamp,
    upload_expires_at: timestamp,
    started_at: timestamp,
    finished_at: timestamp,
    progress: closed({
      rows_processed: count,
      imported_rows: count,
      failed_rows: count,
      skipped_rows: count,
      bytes_read: count,
      total_bytes: count,
      percent: { type: 'integer', minimum: 0, maximum: 100 },
    }),
    invocations: count,
    report: ref('ImportReport'),
    failure_reason: text,
    retrying: closed({ attempts: count, last_error: text }),
    note: text,
    errors_url: { ...text, description: 'GET it for the rejected rows (present once a completed job rejected rows)' },
    undo: { ...closed(UNDO_FIELDS, UNDO_REQUIRED), description: 'once an undo was asked for: what it did so far' },
    undone_at: { ...timestamp, description: 'when the undo finished' },
  },
  ['import_id', 'status', 'origin', 'object_key', 'import_options', 'created_at', 'updated_at', 'progress', 'invocations'],
);

const SOURCE_VIEW = closed(
  {
    id: text,
    owner: text,
    key: text,
    prefix: text,
    mode: { type: 'string', enum: ['merge', 'replace'] },
    import_options: ref('ImportOptions'),
    enabled: { type: 'boolean' },
    created_at: timestamp,
    updated_at: timestamp,
    last_import_id: text,
    last_imported_etag: text,
    running_import_id: text,
    last_error: text,
    last_error_at: timestamp,
  },
  ['id', 'owner', 'mode', 'import_options', 'enabled', 'created_at', 'updated_at'],
);

/** lib/import/preview-types.ts ImportPreview. */
const PREVIEW = closed({
  format: { type: 'string', enum: [...FILE_FORMATS], description: 'found from the content, never the file name' },
  encoding: { type: 'string', enum: [...SOURCE_ENCODINGS] },
  delimiter: { type: 'string', enum: [...DELIMITERS], description: 'the one asked for, or detected in the header row' },
  preset: { type: ['string', 'null'], description: 'the export format recognised from the header (`Outlook (German)`, ...)' },
  columns: {
    type: 'array',
    items: closed({
      header: text,
      field: { type: ['string', 'null'], description: 'the column it is imported into; null: not imported' },
      samples: { type: 'array', items: text, description: 'its cells in the first rows' },
    }),
  },
  unknown_columns: { type: 'array', items: text },
  rows_sampled: count,
  header_error: { type: ['string', 'null'], description: 'why an import would be refused (no `name` column), or null' },
  notes: { type: 'array', items: text, description: 'what an import’s report would say about the whole file' },
  rows: {
    type: 'array',
    items: closed({ row: { type: 'integer', minimum: 1 }, cells: { type: 'array', items: text } }),
    description: 'the rows asked for with `rows`, in file order',
  },
});

const CONTACT = closed({ id: text, owner: text, ...contactFieldsSchema });

export const schemas: Record<string, Schema> = {
  Error: {
    ...closed({ message: text, error: { ...text, description: 'what to change (400s)' } }, ['message']),
    description: 'Every 4xx and 5xx the functions answer; a 5xx says nothing of the internals.',
  },
  AuthError: {
    ...closed({ code: { type: 'integer', enum: [401, 403] }, message: text }),
    description: 'A refused credential, as the reference API answers it.',
  },
  TooManyRows: closed({
    message: text,
    total_rows: count,
    max_rows: count,
    jobs_route: { type: 'string', examples: ['POST /phonebook/imports'] },
  }),
  ImportReport: IMPORT_REPORT,
  SyncImportReport: SYNC_IMPORT_REPORT,
  /** A 400 of an import: the report when every row was rejected, otherwise an error. */
  ImportRejected: { oneOf: [ref('SyncImportReport'), ref('Error')] },
  ImportOptions: IMPORT_OPTIONS_VIEW,
  ImportPreview: PREVIEW,
  Contact: CONTACT,
  ContactPage: closed({
    contacts: { type: 'array', items: ref('Contact') },
    next_cursor: { type: ['string', 'null'], description: 'pass back as `cursor` until it is null' },
  }),
  BulkRequest: {
    type: 'object',
    required: ['contacts'],
    properties: {
      contacts: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          description: 'the CSV columns plus an optional `id`; null or "" unsets a field',
          properties: {
            id: { type: ['string', 'null'] },
            ...Object.fromEntries(CONTACT_FIELDS.map((f) => [f, { type: ['string', 'null'] }])),
          },
          additionalProperties: false,
        },
      },
    },
  },
  BulkResult: closed({
    contacts: {
      type: 'array',
      items: {
        oneOf: [
          { type: 'null' },
          closed({ id: text, owner: text, ...contactFieldsSchema, result: { type: 'string', enum: ['created', 'updated', 'unchanged'] } }),
        ],
      },
    },
    failed_contacts: {
      type: 'array',
      items: closed({
        index: count,
        error_code: { type: 'string', enum: ['invalid', 'not_found', 'duplicate', 'storage_error'] },
        error_message: text,
        status_code: { type: 'integer', enum: [400, 404, 409, 500] },
      }),
    },
    dry_run: { type: 'boolean' },
  }),
  CreateUploadRequest: closed(
    { size: { type: 'integer', minimum: 1, description: 'the exact size of the file in bytes' }, ...IMPORT_OPTION_FIELDS },
    ['size'],
  ),
  AdminCreateUploadRequest: closed({ username: text, size: { type: 'integer', minimum: 1 }, ...IMPORT_OPTION_FIELDS }, [
    'username',
    'size',
  ]),
  CreatedUpload: closed({
    import_id: text,
    upload_url: { ...text, description: 'a presigned PUT for exactly `size` bytes' },
    upload_method: { const: 'PUT' },
    upload_headers: closed({ 'content-length': text }),
    expires_at: timestamp,
    status_url: text,
    max_bytes: count,
  }),
  ImportJob: JOB_VIEW,
  ImportJobList: closed({ imports: { type: 'array', items: ref('ImportJob') } }),
  User: closed({
    username: text,
    created_at: timestamp,
    groups: { type: 'array', items: text, description: 'the groups the super admin set (a token’s `groups` claim adds to them)' },
    import_options: { ...ref('ImportOptions'), description: 'the drop folder’s import options for this user' },
  }),
  UserSettingsRequest: {
    type: 'object',
    properties: {
      groups: {
        type: 'array',
        items: { type: 'string', minLength: 1, maxLength: 128 },
        maxItems: 50,
        description:
          'replaces the user’s groups (`[]` clears them; absent: kept); no `public`/`private`/`speeddial`, commas or a leading `group:`',
      },
      import_options: {
        ...IMPORT_OPTIONS_REQUEST,
        description: 'the drop folder’s import options (`{}`: the defaults again; absent: kept)',
      },
    },
    description: 'an empty body (or none) only registers',
  },
  SourceRequest: {
    type: 'object',
    required: ['owner'],
    properties: {
      owner: text,
      key: { ...text, description: 'one object (give key or prefix)' },
      prefix: { ...text, description: 'the newest object under it' },
      mode: { type: 'string', enum: ['merge', 'replace'], default: 'merge' },
      import_options: {
        ...IMPORT_OPTIONS_REQUEST,
        description: 'the import options of its imports (nested: `mode` above is the source’s)',
      },
      enabled: { type: 'boolean', default: true },
    },
  },
  Source: SOURCE_VIEW,
  SourceList: closed({ sources: { type: 'array', items: ref('Source') } }),
  UndoReport: closed(
    {
      import_id: text,
      ...UNDO_FIELDS,
      status_url: { ...text, description: 'where the import (and its `undo`) is shown' },
    },
    ['import_id', ...UNDO_REQUIRED, 'status_url'],
  ),
  DownloadLink: {
    ...closed({ message: text, url: text, expires_in: count }, ['message', 'url']),
    description: 'The body of a 303: `url` (also in `Location`) is a short-lived presigned GET.',
  },
  OpenApiDocument: { type: 'object', required: ['openapi', 'info', 'paths'] },
};

const json = (schema: Schema) => ({ 'application/json': { schema } });

/** The answers API Gateway and the layer give on every route, named once. */
export const responses: Record<string, Schema> = {
  UserUnauthorized: {
    description: 'no, an invalid or an expired user JWT (`authorization required`): the gateway’s UNAUTHORIZED response',
    content: json(ref('AuthError')),
  },
  UserForbidden: {
    description: 'a valid JWT without the capability `phonebook.ad_phonebook` (`forbidden: missing capability`)',
    content: json(ref('AuthError')),
  },
  AdminUnauthorized: {
    description: 'missing or wrong super-admin token (`super admin authentication required`)',
    content: json(ref('AuthError')),
  },
  AdminForbidden: {
    description: 'a source IP outside SUPER_ADMIN_ALLOW_IPS (`access denied: IP not in allowed list`), checked before the token',
    content: json(ref('AuthError')),
  },
  NotFound: { description: 'not found (the message says what)', content: json(ref('Error')) },
  BadRequest: { description: 'the request is malformed; `error` says what to change', content: json(ref('Error')) },
  BodyTooLarge: {
    description:
      'over API Gateway’s 10 MB or one Lambda event’s 6 MB (the gateway’s REQUEST_TOO_LARGE response), or over a route’s own limit',
    content: json(ref('Error')),
  },
  TooManyRequests: {
    description:
      'a limit of the caller (`Retry-After` in seconds), or API Gateway’s method throttling (`{"message":"Too Many Requests"}`, no `Retry-After`)',
    headers: { 'Retry-After': { schema: { type: 'integer', minimum: 1 }, description: 'absent on the gateway’s own throttling' } },
    content: json(ref('Error')),
  },
  InternalError: { description: 'our fault; the body reveals nothing (`internal error`)', content: json(ref('Error')) },
  BadGateway: { description: 'the function failed or timed out (API Gateway’s own answer)', content: json(ref('Error')) },
  NoSuchRoute: {
    description: 'a path or method this document does not list (the gateway’s MISSING_AUTHENTICATION_TOKEN response)',
    content: json(ref('Error')),
  },
};

export const securitySchemes: Record<string, Schema> = {
  userJwt: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'A user JWT (HS256 with the service’s secret, or the identity provider’s keys via JWT_JWKS_URL): `sub` is the username and the phonebook’s owner, `capabilities` an array of strings, `exp` required. Routes listing `phonebook.ad_phonebook` answer 403 without that capability.',
  },
  superAdmin: {
    type: 'http',
    scheme: 'bearer',
    description:
      'The super-admin token (`Authorization: Bearer <token>`), accepted only from a source IP in SUPER_ADMIN_ALLOW_IPS (the TCP peer as API Gateway sees it, never X-Forwarded-For): an IP outside it is 403 before the token is looked at.',
  },
};
