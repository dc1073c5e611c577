import type { ContactType } from './fields.js';

/**
 * The `type` column: `private`, `public`, or `group:<g1,g2,...>` (shared with the members of
 * those groups), read as the reference middleware reads it (store/phonebook.go): the prefix in
 * any case, group names trimmed, blanks and repeats dropped, first-seen order kept.
 */
export const GROUP_PREFIX = 'group:';

/** Names a group cannot have: they would read back as one of the other forms. */
export const RESERVED_GROUP_NAMES: ReadonlySet<string> = new Set(['private', 'public', 'speeddial']);

export const CONTACT_TYPE_FORMS = "'private', 'public', or 'group:<group1,group2>'";

/** The normalised type, or undefined when `raw` is none of the three forms. Blank is `private`. */
export function parseContactType(raw: string): ContactType | undefined {
  const value = raw.trim();
  const lower = value.toLowerCase();
  if (lower === '' || lower === 'private') return 'private';
  if (lower === 'public') return 'public';
  if (!lower.startsWith(GROUP_PREFIX)) return undefined;
  const groups = sharedGroupsOf(value);
  if (groups.length === 0) return undefined;
  for (const group of groups) {
    if (RESERVED_GROUP_NAMES.has(group.toLowerCase()) || group.toLowerCase().startsWith(GROUP_PREFIX)) return undefined;
  }
  return `${GROUP_PREFIX}${groups.join(',')}`;
}

/** The groups a `group:` type shares with, normalised; none for `private` and `public`. */
export function sharedGroupsOf(type: string): string[] {
  const value = type.trim();
  if (!value.toLowerCase().startsWith(GROUP_PREFIX)) return [];
  const groups: string[] = [];
  for (const name of value.slice(GROUP_PREFIX.length).split(',')) {
    const group = name.trim();
    if (group !== '' && !groups.includes(group)) groups.push(group);
  }
  return groups;
}
