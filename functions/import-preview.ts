import { parseMultipartForm } from '../lib/http/multipart.js';
import { jsonResponse } from '../lib/http/responses.js';
import { previewForm } from '../lib/import/preview.js';
import { userRoute } from './layer/http-route.js';
import { header, requestBody } from './layer/request.js';

/**
 * POST /phonebook/import/preview: how an import would read the file (encoding, delimiter,
 * preset, each column's field and first cells), writing nothing. It touches no table or
 * bucket, so it builds no client and its role has no statement.
 */
export const handler = userRoute(async (event) => {
  const form = await parseMultipartForm(requestBody(event), header(event, 'content-type'));
  return jsonResponse(200, await previewForm(form));
});
