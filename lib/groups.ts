import { GROUP_PREFIX, RESERVED_GROUP_NAMES } from './contacts/contact-type.js';
import { BadRequestError } from './errors.js';
import type { UserRepository } from './storage/ports.js';

/**
 * Group membership: the groups a user belongs to decide which `group:<g1,g2>` contacts they
 * see. Names are compared exactly (case included) once trimmed, as the `type` column keeps
 * them (lib/contacts/contact-type.ts): `Sales` and `sales` are two groups.
 */

/** A `type` cell is at most 255 characters, so a longer group name could never be shared with. */
export const MAX_GROUP_NAME_LENGTH = 128;
/** Each group costs the listing 16 queries (one per shard): a bound keeps a page's cost bounded. */
export const MAX_GROUPS_PER_USER = 50;

/** What is wrong with one group name (already trimmed), or undefined. */
export function groupNameProblemOf(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (name.length > MAX_GROUP_NAME_LENGTH) return `is longer than ${MAX_GROUP_NAME_LENGTH} characters`;
  if (RESERVED_GROUP_NAMES.has(name.toLowerCase()))
    return "is reserved ('public', 'private' and 'speeddial' are contact types, not groups)";
  // A contact's type lists its groups separated by commas, so a comma could never match.
  if (name.includes(',')) return 'contains a comma';
  if (name.toLowerCase().startsWith(GROUP_PREFIX)) return `starts with '${GROUP_PREFIX}'`;
  // Control characters have no business in a name and would make logs and keys unreadable.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: that is the point of the check
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'contains a control character';
  return undefined;
}

/**
 * The `groups` of an admin request: an array of strings, each trimmed and checked, repeats
 * dropped, first-seen order kept. Throws BadRequestError naming the problem and the entry.
 */
export function validateGroupNames(value: unknown): string[] {
  if (!Array.isArray(value)) throw new BadRequestError('invalid groups', "'groups' must be an array of group names");
  const groups: string[] = [];
  value.forEach((entry, index) => {
    if (typeof entry !== 'string') throw new BadRequestError('invalid groups', `groups[${index}] must be a string`);
    const name = entry.trim();
    const problem = groupNameProblemOf(name);
    if (problem) throw new BadRequestError('invalid groups', `groups[${index}] ${problem}`);
    if (!groups.includes(name)) groups.push(name);
  });
  if (groups.length > MAX_GROUPS_PER_USER) {
    throw new BadRequestError('invalid groups', `at most ${MAX_GROUPS_PER_USER} groups per user (got ${groups.length})`);
  }
  return groups;
}

/**
 * The `groups` claim of a verified token, read leniently: the token is already trusted, so a
 * claim of the wrong shape or a name no contact could carry is left out rather than failing
 * the request. Trimmed, repeats dropped, at most MAX_GROUPS_PER_USER kept.
 */
export function groupsOfClaim(claim: unknown): string[] {
  if (!Array.isArray(claim)) return [];
  const groups: string[] = [];
  for (const entry of claim) {
    if (typeof entry !== 'string') continue;
    const name = entry.trim();
    if (groupNameProblemOf(name) === undefined && !groups.includes(name)) groups.push(name);
  }
  return groups.slice(0, MAX_GROUPS_PER_USER);
}

/**
 * The groups a user belongs to: the union of what the super admin stored and what the token
 * claims (README "Group sharing" says why the union), sorted so that a listing walks them in
 * a stable order whatever order either source gives.
 */
export function memberGroupsOf(stored: readonly string[], claimed: readonly string[]): string[] {
  return [...new Set([...stored, ...claimed])].sort();
}

/**
 * The groups `username` belongs to when reading contacts: the stored ones (none for a user
 * never registered) joined with the token's claim. One consistent read of the user.
 */
export async function memberGroupsFor(users: UserRepository, username: string, claimed: readonly string[]): Promise<string[]> {
  const user = await users.findUser(username);
  return memberGroupsOf(user?.groups ?? [], claimed);
}
