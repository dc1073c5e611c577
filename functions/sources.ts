import { BadRequestError, NotFoundError } from '../lib/errors.js';
import { jsonResponse } from '../lib/http/responses.js';
import type { ReimportSource } from '../lib/jobs/ports.js';
import { requireRegisteredUser } from '../lib/users.js';
import { httpHandler, jsonBody, pathParameter, requireSuperAdmin, sources, users } from './runtime.js';

const SOURCE_ID = /^[A-Za-z0-9._-]{1,64}$/;

function sourceView(source: ReimportSource): Record<string, unknown> {
  return {
    id: source.id,
    owner: source.owner,
    ...(source.key ? { key: source.key } : { prefix: source.prefix }),
    mode: source.mode,
    enabled: source.enabled,
    created_at: source.createdAt,
    updated_at: source.updatedAt,
    ...(source.lastImportId ? { last_import_id: source.lastImportId, last_imported_etag: source.lastImportedEtag } : {}),
    ...(source.runningImportId ? { running_import_id: source.runningImportId } : {}),
  };
}

function sourceId(raw: string): string {
  if (!SOURCE_ID.test(raw)) throw new BadRequestError('invalid source id', 'use 1 to 64 letters, digits or . _ -');
  return raw;
}

/**
 * Super-admin management of scheduled re-import sources:
 * PUT /admin/sources/{id} `{owner, key | prefix, mode, enabled}`, GET and DELETE the same,
 * GET /admin/sources for all of them.
 */
export const handler = httpHandler(async (event) => {
  requireSuperAdmin(event);
  if (event.resource === '/admin/sources') {
    return jsonResponse(200, { sources: (await sources.listSources()).map(sourceView) });
  }
  const id = sourceId(pathParameter(event, 'id'));
  if (event.httpMethod === 'GET') {
    const source = await sources.getSource(id);
    if (!source) throw new NotFoundError('source not found');
    return jsonResponse(200, sourceView(source));
  }
  if (event.httpMethod === 'DELETE') {
    if (!(await sources.deleteSource(id))) throw new NotFoundError('source not found');
    return { statusCode: 204, headers: {}, body: '' };
  }
  const body = jsonBody(event);
  const owner = await requireRegisteredUser(body.owner, users);
  const key = typeof body.key === 'string' && body.key.trim() !== '' ? body.key.trim() : undefined;
  const prefix = typeof body.prefix === 'string' && body.prefix.trim() !== '' ? body.prefix.trim() : undefined;
  if ((key === undefined) === (prefix === undefined)) {
    throw new BadRequestError('key or prefix is required', "give exactly one of 'key' (an object) or 'prefix' (the newest object under it is imported)");
  }
  const mode = body.mode ?? 'merge';
  if (mode !== 'merge' && mode !== 'replace') throw new BadRequestError('invalid mode', "'mode' is 'merge' or 'replace'");
  if (body.enabled !== undefined && typeof body.enabled !== 'boolean') throw new BadRequestError('invalid enabled', "'enabled' is true or false");
  const now = new Date().toISOString();
  const source: ReimportSource = {
    id,
    owner,
    ...(key ? { key } : { prefix: prefix as string }),
    mode,
    enabled: body.enabled ?? true,
    createdAt: now,
    updatedAt: now,
  };
  const { created } = await sources.putSource(source);
  const stored = await sources.getSource(id);
  return jsonResponse(created ? 201 : 200, sourceView(stored ?? source));
});
