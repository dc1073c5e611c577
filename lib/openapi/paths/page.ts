import { publicOperation } from '../operations.js';
import type { Schema } from '../schemas.js';

/** The web page (README "Web page"): public, a sign-in page holding no data. */
export const pagePaths: Record<string, Record<string, Schema>> = {
  '/': {
    get: publicOperation({
      operationId: 'getWebPage',
      tags: ['page'],
      summary: 'The import page (one self-contained HTML file; its calls carry the user’s token)',
      responses: { '200': { description: 'the page', content: { 'text/html': { schema: { type: 'string' } } } } },
    }),
  },
};
