import { BadRequestError, NotFoundError } from './errors.js';
import { validateGroupNames } from './groups.js';
import { importOptionsView, parseImportOptionsObject } from './import/import-options.js';
import type { User, UserRepository, UserSettings } from './storage/ports.js';
import { isValidUsername } from './usernames.js';

export { isValidUsername };

/** Returns the username, or throws BadRequestError saying which characters are allowed. */
export function validateUsername(username: string): string {
  if (!isValidUsername(username)) {
    throw new BadRequestError('invalid username', 'use 1 to 128 letters, digits or . _ @ + -');
  }
  return username;
}

/** The registered user an admin request targets: 400 without a username, 404 if unknown. */
export async function requireRegisteredUser(username: unknown, users: UserRepository): Promise<string> {
  const name = typeof username === 'string' ? username.trim() : '';
  if (!name) throw new BadRequestError('username field is required');
  if (!isValidUsername(name) || !(await users.findUser(name))) throw new NotFoundError('target user not found');
  return name;
}

/**
 * What an admin's `PUT /admin/users/{username}` body sets: `groups` when present (an array of
 * names, see lib/groups.ts; `[]` clears them) and `import_options` when present (the user's
 * drop-folder defaults, lib/import/import-options.ts; `{}` or null returns to the defaults).
 * Validated whole before anything is written. Throws BadRequestError naming the problem.
 */
export function userSettingsOf(body: Record<string, unknown>): UserSettings {
  return {
    ...('groups' in body ? { groups: validateGroupNames(body.groups) } : {}),
    ...('import_options' in body ? { importOptions: parseImportOptionsObject(body.import_options) } : {}),
  };
}

/** A user as the admin routes show it. */
export function userViewOf(user: User): {
  username: string;
  created_at: string;
  groups: string[];
  import_options: Record<string, unknown>;
} {
  return {
    username: user.username,
    created_at: user.createdAt,
    groups: user.groups,
    import_options: importOptionsView(user.importOptions),
  };
}
