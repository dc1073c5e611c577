import { NotFoundError } from '../lib/errors.js';
import { jsonResponse } from '../lib/http/responses.js';
import { sourceFromRequest, sourceView, validateSourceId } from '../lib/jobs/sources.js';
import { adminRoute } from './layer/http-route.js';
import { jsonBody, pathParameter } from './layer/request.js';
import { sources } from './wiring/sources.js';
import { users } from './wiring/users.js';

/**
 * Super-admin management of scheduled re-import sources:
 * PUT /admin/sources/{id} `{owner, key | prefix, mode, enabled}`, GET and DELETE the same,
 * GET /admin/sources for all of them.
 */
export const handler = adminRoute(async (event) => {
  if (event.resource === '/admin/sources') {
    return jsonResponse(200, { sources: (await sources.listSources()).map(sourceView) });
  }
  const id = validateSourceId(pathParameter(event, 'id'));
  if (event.httpMethod === 'GET') {
    const source = await sources.getSource(id);
    if (!source) throw new NotFoundError('source not found');
    return jsonResponse(200, sourceView(source));
  }
  if (event.httpMethod === 'DELETE') {
    if (!(await sources.deleteSource(id))) throw new NotFoundError('source not found');
    return { statusCode: 204, headers: {}, body: '' };
  }
  const { source, created } = await sources.putSource(await sourceFromRequest(id, jsonBody(event), users));
  return jsonResponse(created ? 201 : 200, sourceView(source));
});
