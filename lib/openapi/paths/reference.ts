import { jsonResponse, publicOperation } from '../operations.js';
import type { Schema } from '../schemas.js';

/** The API reference itself: public, so that a browser or a code generator can read it. */
export const referencePaths: Record<string, Record<string, Schema>> = {
  '/openapi.json': {
    get: publicOperation({
      operationId: 'getOpenApiDocument',
      tags: ['reference'],
      summary: 'This document (OpenAPI 3.1)',
      responses: { '200': jsonResponse('the document', 'OpenApiDocument') },
    }),
  },
  '/docs': {
    get: publicOperation({
      operationId: 'getApiReferencePage',
      tags: ['reference'],
      summary: 'This document rendered as a page (self-contained: no request leaves for another site)',
      responses: { '200': { description: 'the page', content: { 'text/html': { schema: { type: 'string' } } } } },
    }),
  },
};
