import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { openApiDocument } from '../../lib/openapi/document.js';

/**
 * Checks a response of the API against the OpenAPI document (lib/openapi/document.ts): the
 * route and method must be there (else only the gateway's 404 is allowed), the status among
 * the operation's responses, the media type among the response's contents, and a JSON body
 * valid against its schema. The test helpers (test/support/local-stack.ts) run it on every
 * response they receive, so the document cannot drift from what the service answers.
 *
 * ajv with the JSON Schema 2020-12 dialect (OpenAPI 3.1's), and a path matcher of our own:
 * the matching is the gateway's (local/routes.ts) over the document's templates, a dozen lines
 * that a full OpenAPI validator would bring with much else.
 */

type Json = Record<string, unknown>;
const DOCUMENT_ID = 'openapi.json';

// ajv-formats is CommonJS: its default export sits one level down under NodeNext.
const addFormats = addFormatsModule.default;
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
// OpenAPI's own format for file parts; request bodies are not validated here.
ajv.addFormat('binary', true);
ajv.addSchema(openApiDocument, DOCUMENT_ID);

const validators = new Map<string, ValidateFunction>();

/** A JSON pointer into the document as a URI fragment ajv resolves. */
function pointerOf(segments: string[]): string {
  return `#/${segments.map((segment) => encodeURIComponent(segment.replaceAll('~', '~0').replaceAll('/', '~1'))).join('/')}`;
}

function validatorAt(segments: string[]): ValidateFunction {
  const pointer = pointerOf(segments);
  let validate = validators.get(pointer);
  if (!validate) {
    validate = ajv.getSchema(`${DOCUMENT_ID}${pointer}`);
    if (!validate) throw new Error(`no schema at ${pointer} of the OpenAPI document`);
    validators.set(pointer, validate);
  }
  return validate;
}

const paths = openApiDocument.paths as Record<string, Record<string, Json>>;
const components = openApiDocument.components as { responses: Record<string, Json> };

/** The document's path template a request path reaches, as API Gateway matches (trailing slash ignored). */
export function documentedPathOf(requestPath: string): string | undefined {
  // Trailing slashes off both sides, so that `/` (the web page) is the template `/` too.
  const segmentsOf = (path: string) => path.replace(/\/+$/, '').split('/');
  const segments = segmentsOf(requestPath);
  const candidates = Object.keys(paths).filter((template) => {
    const parts = segmentsOf(template);
    return (
      parts.length === segments.length && parts.every((part, i) => (/^\{.+\}$/.test(part) ? segments[i] !== '' : part === segments[i]))
    );
  });
  // A literal segment wins over a parameter (`/a/b` over `/a/{id}`), as in API Gateway.
  const literals = (template: string) => template.split('/').filter((part) => !part.startsWith('{')).length;
  return candidates.sort((a, b) => literals(b) - literals(a))[0];
}

/** The response object and where it lies in the document (a `$ref` to components followed). */
function responseOf(operationAt: string[], operation: Json, status: number): { at: string[]; response: Json } | undefined {
  const responses = operation.responses as Record<string, Json>;
  const key = [String(status), `${String(status)[0]}XX`, 'default'].find((candidate) => responses[candidate] !== undefined);
  if (key === undefined) return undefined;
  const response = responses[key] as Json;
  const target = typeof response.$ref === 'string' ? /^#\/components\/responses\/(.+)$/.exec(response.$ref)?.[1] : undefined;
  if (target !== undefined) return { at: ['components', 'responses', target], response: components.responses[target] as Json };
  return { at: [...operationAt, 'responses', key], response };
}

function checkBody(where: string, at: string[], response: Json, contentType: string | null, body: string): void {
  const content = response.content as Record<string, Json> | undefined;
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!content) {
    if (body !== '') throw new Error(`${where}: the document describes no body, the service sent ${mediaType || 'one'}`);
    return;
  }
  if (content[mediaType] === undefined) {
    throw new Error(`${where}: media type '${mediaType}' is not among the documented ${Object.keys(content).join(', ')}`);
  }
  if (mediaType !== 'application/json') return;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new Error(`${where}: the body is not JSON: ${body.slice(0, 200)}`);
  }
  const validate = validatorAt([...at, 'content', mediaType, 'schema']);
  if (!validate(value)) {
    const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
    throw new Error(`${where}: the body does not match the document:\n  ${errors.join('\n  ')}\nbody: ${body.slice(0, 500)}`);
  }
}

/**
 * Throws, naming the request, when the response is not one the document describes. Reads a
 * clone, so the caller still reads the body. A CORS preflight (`OPTIONS`) is the gateway's, on
 * every path, and is not an operation of the document.
 */
export async function assertDocumentedResponse(method: string, url: string, response: Response): Promise<void> {
  const verb = method.toUpperCase();
  if (verb === 'OPTIONS') return;
  const { pathname } = new URL(url);
  const where = `${verb} ${pathname} → ${response.status}`;
  const template = documentedPathOf(pathname);
  const operation = template ? paths[template]?.[verb.toLowerCase()] : undefined;
  if (!template || !operation) {
    if (response.status !== 404 && response.status !== 413) throw new Error(`${where}: the route is not in the OpenAPI document`);
    const body = await response.clone().text();
    return checkBody(
      where,
      ['components', 'responses', 'NoSuchRoute'],
      components.responses.NoSuchRoute as Json,
      response.headers.get('content-type'),
      body,
    );
  }
  const operationAt = ['paths', template, verb.toLowerCase()];
  // fetch followed a redirect: what it returns is the download's, not ours; the 3xx must be documented.
  if (response.redirected) {
    if (!responseOf(operationAt, operation, 303)) throw new Error(`${where}: redirected, but the document describes no 303`);
    return;
  }
  const found = responseOf(operationAt, operation, response.status);
  if (!found) {
    const listed = Object.keys(operation.responses as Json).join(', ');
    throw new Error(`${where}: status ${response.status} is not among the documented ${listed}`);
  }
  checkBody(where, found.at, found.response, response.headers.get('content-type'), await response.clone().text());
}
