import { readFile } from 'node:fs/promises';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { jsonResponse } from '../lib/http/responses.js';
import { logger } from '../lib/logger.js';

/**
 * The built page (scripts/build-page.ts): beside this module locally (functions/ → web/dist/)
 * and in the package, where serverless.yml includes web/dist/ next to the bundles.
 */
const PAGE_FILE = new URL('../web/dist/index.html', import.meta.url);

let page: Promise<string> | undefined;

/**
 * GET /: the web page, one HTML file with its script and styles inline. Public, like any
 * sign-in page: it holds no data, and every call it makes carries the user's token.
 */
export const handler = async (): Promise<APIGatewayProxyResult> => {
  page ??= readFile(PAGE_FILE, 'utf8');
  try {
    return {
      statusCode: 200,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
      },
      body: await page,
    };
  } catch (error) {
    page = undefined;
    logger.error('web page not built', { error: error instanceof Error ? error : String(error) });
    return jsonResponse(500, { message: 'internal error' });
  }
};
