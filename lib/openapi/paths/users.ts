import { adminOperation, errorResponse, jsonBody, jsonResponse, pathParameter } from '../operations.js';
import type { Schema } from '../schemas.js';

const username = pathParameter('username', '1 to 128 of A-Z a-z 0-9 . _ @ + -');

/** Registered users, their groups (README "Group sharing") and drop-folder import options. */
export const userPaths: Record<string, Record<string, Schema>> = {
  '/admin/users/{username}': {
    put: adminOperation({
      operationId: 'registerUser',
      tags: ['admin'],
      summary: 'Register a user (idempotent), and set their groups or drop-folder import options',
      description:
        'An empty body only registers. `groups` replaces the stored groups, `import_options` the options the drop folder imports this user’s files with; what the body leaves out is kept.',
      parameters: [username],
      requestBody: jsonBody('UserSettingsRequest', false),
      responses: {
        '201': jsonResponse('registered now', 'User'),
        '200': jsonResponse('already registered (what the body named is set)', 'User'),
        '400': errorResponse(
          '`invalid username`, `invalid path`, `invalid JSON body`, `invalid groups` (`error` names the entry), `invalid import_options` or an invalid option (`invalid mode`, ...)',
        ),
      },
    }),
    get: adminOperation({
      operationId: 'getUser',
      tags: ['admin'],
      summary: 'A registered user, their groups and drop-folder import options',
      parameters: [username],
      responses: {
        '200': jsonResponse('the user', 'User'),
        '400': errorResponse('`invalid path`: a malformed %-escape'),
        '404': errorResponse('`user not found`: not registered (also for a name no user can have)'),
      },
    }),
  },
};
