import { CONTACT_FIELDS } from '../contacts/fields.js';

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

const IMPORT_REPORT = closed({
  message: { type: 'string', examples: ['phonebook import completed'] },
  total_rows: { ...count, description: 'imported_rows + failed_rows + skipped_rows' },
  imported_rows: count,
  failed_rows: { ...count, description: 'rows storage refused after retries (our fault, never the file’s)' },
  skipped_rows: { ...count, description: 'invalid rows, each named in error_messages' },
  created_rows: count,
  updated_rows: count,
  unchanged_rows: count,
  dry_run: { type: 'boolean' },
  error_messages: {
    type: 'array',
    items: text,
    description: 'at most IMPORT_MAX_ERROR_MESSAGES messages (`Row N: ...`), then one line saying how many more there were',
  },
});

const JOB_STATUS: Schema = { type: 'string', enum: ['waiting_upload', 'queued', 'running', 'completed', 'failed'] };

const JOB_VIEW = closed(
  {
    import_id: text,
    status: JOB_STATUS,
    origin: { type: 'string', enum: ['upload', 'drop', 'schedule'] },
    object_key: text,
    etag: { ...text, description: 'the S3 version of the file this job imports' },
    source_id: text,
    mode: { type: 'string', enum: ['merge', 'replace'] },
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
  },
  ['import_id', 'status', 'origin', 'object_key', 'created_at', 'updated_at', 'progress', 'invocations'],
);

const SOURCE_VIEW = closed(
  {
    id: text,
    owner: text,
    key: text,
    prefix: text,
    mode: { type: 'string', enum: ['merge', 'replace'] },
    enabled: { type: 'boolean' },
    created_at: timestamp,
    updated_at: timestamp,
    last_import_id: text,
    last_imported_etag: text,
    running_import_id: text,
    last_error: text,
    last_error_at: timestamp,
  },
  ['id', 'owner', 'mode', 'enabled', 'created_at', 'updated_at'],
);

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
  /** A 400 of an import: the report when every row was rejected, otherwise an error. */
  ImportRejected: { oneOf: [ref('ImportReport'), ref('Error')] },
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
  CreateUploadRequest: closed({ size: { type: 'integer', minimum: 1, description: 'the exact size of the file in bytes' } }),
  AdminCreateUploadRequest: closed({ username: text, size: { type: 'integer', minimum: 1 } }),
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
  RegisteredUser: closed({ username: text, created_at: timestamp }),
  SourceRequest: {
    type: 'object',
    required: ['owner'],
    properties: {
      owner: text,
      key: { ...text, description: 'one object (give key or prefix)' },
      prefix: { ...text, description: 'the newest object under it' },
      mode: { type: 'string', enum: ['merge', 'replace'], default: 'merge' },
      enabled: { type: 'boolean', default: true },
    },
  },
  Source: SOURCE_VIEW,
  SourceList: closed({ sources: { type: 'array', items: ref('Source') } }),
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
