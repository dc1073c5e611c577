import { jsonResponse } from '../lib/http/responses.js';
import { validateUsername } from '../lib/users.js';
import { adminRoute } from './layer/http-route.js';
import { pathParameter } from './layer/request.js';
import { users } from './wiring/users.js';

/** PUT /admin/users/{username}: registers a user (201), or confirms an existing one (200). */
export const handler = adminRoute(async (event) => {
  const username = validateUsername(pathParameter(event, 'username'));
  const { user, created } = await users.registerUser(username);
  return jsonResponse(created ? 201 : 200, { username: user.username, created_at: user.createdAt });
});
