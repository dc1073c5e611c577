import { NotFoundError } from '../lib/errors.js';
import { jsonResponse } from '../lib/http/responses.js';
import { isValidUsername, userViewOf } from '../lib/users.js';
import { adminRoute } from './layer/http-route.js';
import { pathParameter } from './layer/request.js';
import { users } from './wiring/users.js';

/** GET /admin/users/{username}: a registered user and their groups; 404 if not registered. */
export const handler = adminRoute(async (event) => {
  const username = pathParameter(event, 'username');
  const user = isValidUsername(username) ? await users.findUser(username) : undefined;
  if (!user) throw new NotFoundError('user not found');
  return jsonResponse(200, userViewOf(user));
});
