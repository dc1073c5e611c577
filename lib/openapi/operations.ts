import { IMPORT_CAPABILITY } from '../auth/access.js';
import type { Schema } from './schemas.js';

/**
 * Builders of the document's operations: who may call a route decides its security and the
 * refusals it can answer, so each operation states only what is its own (body, parameters,
 * success and its own errors) and the shared answers are added here, the same for every route.
 * A new route: add its path to a file of lib/openapi/paths/ with `userOperation`,
 * `adminOperation` or `publicOperation` (and the file to lib/openapi/document.ts).
 */
export interface OperationSpec {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  parameters?: Schema[];
  requestBody?: Schema;
  /** The route's own answers, by status; the shared ones below are added unless given here. */
  responses: Record<string, Schema>;
}

const responseRef = (name: string): Schema => ({ $ref: `#/components/responses/${name}` });

/** A response whose body is one schema of components.schemas. */
export function jsonResponse(description: string, schemaName: string, headers?: Record<string, Schema>): Schema {
  return {
    description,
    ...(headers ? { headers } : {}),
    content: { 'application/json': { schema: { $ref: `#/components/schemas/${schemaName}` } } },
  };
}

export const errorResponse = (description: string): Schema => jsonResponse(description, 'Error');

/** A JSON request body of one schema of components.schemas. */
export function jsonBody(schemaName: string, required = true): Schema {
  return { required, content: { 'application/json': { schema: { $ref: `#/components/schemas/${schemaName}` } } } };
}

/** A 303 to a presigned download (exports and rejected rows too large for a response). */
export const seeOther = (description: string): Schema => ({
  ...jsonResponse(description, 'DownloadLink'),
  headers: { Location: { required: true, schema: { type: 'string' }, description: 'the presigned GET' } },
});

/** A CSV download, offered as a file. */
export const csvResponse = (description: string): Schema => ({
  description,
  headers: { 'Content-Disposition': { schema: { type: 'string' }, description: 'attachment; filename="..."' } },
  content: { 'text/csv': { schema: { type: 'string' } } },
});

function operation(spec: OperationSpec, security: Schema[], shared: Record<string, Schema>): Schema {
  const { responses, ...rest } = spec;
  // A body can be over the gateway's limits on any route that takes one.
  const bodyLimit = spec.requestBody ? { '413': responseRef('BodyTooLarge') } : {};
  const common = { '429': responseRef('TooManyRequests'), '500': responseRef('InternalError'), '502': responseRef('BadGateway') };
  return { ...rest, security, responses: { ...shared, ...bodyLimit, ...common, ...responses } };
}

/**
 * A user route: the user JWT, and by default the import capability (as lib/auth/access.ts
 * decides: every user route but `GET /phonebook/contacts` needs it).
 */
export function userOperation(spec: OperationSpec, options: { capability?: boolean } = {}): Schema {
  const capability = options.capability ?? true;
  return operation(spec, [{ userJwt: capability ? [IMPORT_CAPABILITY] : [] }], {
    '401': responseRef('UserUnauthorized'),
    ...(capability ? { '403': responseRef('UserForbidden') } : {}),
  });
}

/** A `/admin/*` route: the super-admin token from an allowed IP. */
export function adminOperation(spec: OperationSpec): Schema {
  return operation(spec, [{ superAdmin: [] }], { '401': responseRef('AdminUnauthorized'), '403': responseRef('AdminForbidden') });
}

/** A route without the authorizer (the API reference itself). */
export function publicOperation(spec: OperationSpec): Schema {
  return operation(spec, [], {});
}

/** A query parameter. */
export function queryParameter(name: string, schema: Schema, description: string, required = false): Schema {
  return { name, in: 'query', required, description, schema };
}

/** A path parameter (always required). */
export function pathParameter(name: string, description: string, schema: Schema = { type: 'string' }): Schema {
  return { name, in: 'path', required: true, description, schema };
}
