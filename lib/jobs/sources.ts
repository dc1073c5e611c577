import { BadRequestError } from '../errors.js';
import { importOptionsView, parseImportOptionsObject } from '../import/import-options.js';
import type { ReimportSource, UserRepository } from '../storage/ports.js';
import { requireRegisteredUser } from '../users.js';

const SOURCE_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function validateSourceId(raw: string): string {
  if (!SOURCE_ID.test(raw)) throw new BadRequestError('invalid source id', 'use 1 to 64 letters, digits or . _ -');
  return raw;
}

function nonBlank(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * A source as a super admin describes it: a registered owner, exactly one of `key` and
 * `prefix`, a mode (`merge` by default), the import options of its imports (`import_options`,
 * as every import path takes them; its own `mode` is the source's, so they are nested) and
 * whether it is enabled (by default it is).
 */
export async function sourceFromRequest(
  id: string,
  body: Record<string, unknown>,
  users: UserRepository,
  now = new Date(),
): Promise<ReimportSource> {
  const owner = await requireRegisteredUser(body.owner, users);
  const key = nonBlank(body.key);
  const prefix = nonBlank(body.prefix);
  if ((key === undefined) === (prefix === undefined)) {
    throw new BadRequestError(
      'key or prefix is required',
      "give exactly one of 'key' (an object) or 'prefix' (the newest object under it is imported)",
    );
  }
  const mode = body.mode ?? 'merge';
  if (mode !== 'merge' && mode !== 'replace') throw new BadRequestError('invalid mode', "'mode' is 'merge' or 'replace'");
  if (body.enabled !== undefined && typeof body.enabled !== 'boolean')
    throw new BadRequestError('invalid enabled', "'enabled' is true or false");
  const importOptions = parseImportOptionsObject(body.import_options);
  return {
    id: validateSourceId(id),
    owner,
    ...(key ? { key } : { prefix: prefix as string }),
    mode,
    ...(Object.keys(importOptions).length > 0 ? { importOptions } : {}),
    enabled: body.enabled ?? true,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
}

export function sourceView(source: ReimportSource): Record<string, unknown> {
  return {
    id: source.id,
    owner: source.owner,
    ...(source.key ? { key: source.key } : { prefix: source.prefix }),
    mode: source.mode,
    import_options: importOptionsView(source.importOptions),
    enabled: source.enabled,
    created_at: source.createdAt,
    updated_at: source.updatedAt,
    ...(source.lastImportId ? { last_import_id: source.lastImportId, last_imported_etag: source.lastImportedEtag } : {}),
    ...(source.runningImportId ? { running_import_id: source.runningImportId } : {}),
    // Why the last schedule tick could not start this source's import; it is tried again next tick.
    ...(source.lastError ? { last_error: source.lastError, last_error_at: source.lastErrorAt } : {}),
  };
}
