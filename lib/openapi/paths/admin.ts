import { adminOperation, errorResponse, jsonBody, jsonResponse, pathParameter } from '../operations.js';
import type { Schema } from '../schemas.js';

const sourceId = pathParameter('id', 'the source’s id: 1 to 64 letters, digits or . _ -');

export const adminPaths: Record<string, Record<string, Schema>> = {
  '/admin/sources': {
    get: adminOperation({
      operationId: 'listSources',
      tags: ['admin'],
      summary: 'Every scheduled re-import source',
      responses: { '200': jsonResponse('the sources', 'SourceList') },
    }),
  },
  '/admin/sources/{id}': {
    put: adminOperation({
      operationId: 'putSource',
      tags: ['admin'],
      summary: 'Create or update a re-import source',
      parameters: [sourceId],
      requestBody: jsonBody('SourceRequest'),
      responses: {
        '201': jsonResponse('created', 'Source'),
        '200': jsonResponse('updated', 'Source'),
        '400': errorResponse('an invalid id, no owner, not exactly one of key/prefix, a bad mode or enabled, invalid JSON'),
        '404': errorResponse('`target user not found`: the owner is not registered'),
      },
    }),
    get: adminOperation({
      operationId: 'getSource',
      tags: ['admin'],
      summary: 'One source, with its last import and last error',
      parameters: [sourceId],
      responses: {
        '200': jsonResponse('the source', 'Source'),
        '400': errorResponse('`invalid source id`'),
        '404': errorResponse('`source not found`'),
      },
    }),
    delete: adminOperation({
      operationId: 'deleteSource',
      tags: ['admin'],
      summary: 'Remove a source (its contacts stay)',
      parameters: [sourceId],
      responses: {
        '204': { description: 'removed' },
        '400': errorResponse('`invalid source id`'),
        '404': errorResponse('`source not found`'),
      },
    }),
  },
};
