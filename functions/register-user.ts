import { jsonResponse } from '../lib/http/responses.js';
import { userSettingsOf, userViewOf, validateUsername } from '../lib/users.js';
import { adminRoute } from './layer/http-route.js';
import { jsonBody, pathParameter } from './layer/request.js';
import { users } from './wiring/users.js';

/**
 * PUT /admin/users/{username}: registers a user (201), or confirms an existing one (200), and
 * sets what the body names (`groups`, `import_options`: the drop-folder defaults); an empty
 * body only registers.
 */
export const handler = adminRoute(async (event) => {
  const username = validateUsername(pathParameter(event, 'username'));
  const settings = userSettingsOf(jsonBody(event));
  const { user, created } = await users.registerUser(username, settings);
  return jsonResponse(created ? 201 : 200, userViewOf(user));
});
