import { jsonResponse } from '../lib/http/responses.js';
import { importOptionsView, parseImportOptionsObject } from '../lib/import/import-options.js';
import { validateUsername } from '../lib/users.js';
import { adminRoute } from './layer/http-route.js';
import { jsonBody, pathParameter } from './layer/request.js';
import { users } from './wiring/users.js';

/**
 * PUT /admin/users/{username}: registers a user (201), or confirms an existing one (200).
 * `{"import_options": {...}}` sets the user's drop-folder defaults (absent: kept as they are).
 */
export const handler = adminRoute(async (event) => {
  const username = validateUsername(pathParameter(event, 'username'));
  const body = jsonBody(event);
  // Validated before anything is written: a bad option registers nobody.
  const importOptions = body.import_options === undefined ? undefined : parseImportOptionsObject(body.import_options);
  const { user, created } = await users.registerUser(username);
  if (importOptions) await users.setImportOptions(username, importOptions);
  return jsonResponse(created ? 201 : 200, {
    username: user.username,
    created_at: user.createdAt,
    import_options: importOptionsView(importOptions ?? user.importOptions),
  });
});
