import { BadRequestError } from '../errors.js';
import { groupNameProblemOf } from '../groups.js';
import { isValidUsername } from '../usernames.js';

/**
 * Where a contact listing stopped: the shard being read and DynamoDB's LastEvaluatedKey in it.
 * Shards 0..shardCount-1 are the owner's own partitions, shardCount..2*shardCount-1 the public
 * index's, 2*shardCount..3*shardCount-1 the share partitions of group `g` (the reader's groups
 * are walked in sorted order, one group's shards after the other's). The cursor goes to the
 * client and comes back, so it is untrusted input: a crafted key must never reach DynamoDB (a
 * malformed one fails the Query, a foreign one would start reading another owner's partition),
 * hence each key attribute is checked against the shard. A group cursor is followed only for a
 * group the reader belongs to when the page is read (the listing checks), so `g` alone grants
 * nothing.
 */
export interface ContactCursor {
  s: number;
  k?: Record<string, string>;
  g?: string;
}

const MAX_CURSOR_LENGTH = 2048;
/** Contact ids are hashes; anything longer than a sort key allows is not one of ours. */
const MAX_ID_LENGTH = 1024;

export function encodeContactCursor(cursor: ContactCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function invalidCursor(): BadRequestError {
  return new BadRequestError('invalid cursor', 'use the next_cursor value of the previous page as it was returned');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sameKeys(value: Record<string, unknown>, keys: string[]): boolean {
  const present = Object.keys(value).sort();
  return present.length === keys.length && [...keys].sort().every((key, i) => present[i] === key);
}

function validId(value: unknown): boolean {
  return typeof value === 'string' && value !== '' && value.length <= MAX_ID_LENGTH;
}

/** The share partition of `group`'s shard `n` (docs/table-design.md, "Group contacts"). */
export function groupPartitionOf(group: string, shard: number): string {
  return `group#${group}#${shard}`;
}

/**
 * The owner's own shard `n` is `<owner>#<n>`; a public-index key also names the item's table
 * key; a group key is the share partition of the cursor's group and shard.
 */
function validStartKey(key: unknown, shard: number, owner: string, shardCount: number, group: string | undefined): boolean {
  if (!isPlainObject(key)) return false;
  if (shard < shardCount) return sameKeys(key, ['id', 'pk']) && key.pk === `${owner}#${shard}` && validId(key.id);
  if (shard >= 2 * shardCount) {
    return (
      group !== undefined && sameKeys(key, ['id', 'pk']) && key.pk === groupPartitionOf(group, shard - 2 * shardCount) && validId(key.id)
    );
  }
  if (!sameKeys(key, ['id', 'pk', 'publicPk']) || key.publicPk !== `public#${shard - shardCount}` || !validId(key.id)) return false;
  const match = typeof key.pk === 'string' ? /^(.+)#(\d{1,3})$/.exec(key.pk) : null;
  return match !== null && isValidUsername(match[1] ?? '') && Number(match[2]) < shardCount;
}

/** Decodes and checks a cursor for `owner`; throws BadRequestError ("invalid cursor") otherwise. */
export function decodeContactCursor(raw: string | undefined, owner: string, shardCount: number): ContactCursor {
  if (raw === undefined || raw === '') return { s: 0 };
  if (raw.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(raw)) throw invalidCursor();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (!isPlainObject(parsed)) throw invalidCursor();
  const shard = parsed.s;
  if (typeof shard !== 'number' || !Number.isInteger(shard) || shard < 0 || shard >= 3 * shardCount) throw invalidCursor();
  const groupPhase = shard >= 2 * shardCount;
  const expected = ['s', ...('k' in parsed ? ['k'] : []), ...(groupPhase ? ['g'] : [])];
  if (!sameKeys(parsed, expected)) throw invalidCursor();
  let group: string | undefined;
  if (groupPhase) {
    if (typeof parsed.g !== 'string' || groupNameProblemOf(parsed.g) !== undefined) throw invalidCursor();
    group = parsed.g;
  }
  const base: ContactCursor = { s: shard, ...(group !== undefined ? { g: group } : {}) };
  if (!('k' in parsed)) return base;
  if (!validStartKey(parsed.k, shard, owner, shardCount, group)) throw invalidCursor();
  return { ...base, k: parsed.k as Record<string, string> };
}
