import { jsonResponse } from '../lib/http/responses.js';
import { openApiDocument } from '../lib/openapi/document.js';
import { REFERENCE_PAGE_CSP, referencePageOf } from '../lib/openapi/reference-page.js';
import { publicRoute } from './layer/http-route.js';
import { referenceRenderer } from './wiring/api-reference.js';

let page: string | undefined;

/**
 * The API reference, public: `GET /openapi.json` (the OpenAPI 3.1 document of every route) and
 * `GET /docs` (the document rendered, self-contained: renderer inline, nothing fetched elsewhere).
 */
export const handler = publicRoute(async (event) => {
  if (event.resource === '/openapi.json') return jsonResponse(200, openApiDocument);
  // Built on the first request for it, once per container: neither part changes while it lives.
  page ??= referencePageOf(openApiDocument, referenceRenderer(), 'phonebook-import');
  return {
    statusCode: 200,
    headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': REFERENCE_PAGE_CSP },
    body: page,
  };
});
