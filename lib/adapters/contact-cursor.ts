import { BadRequestError } from '../errors.js';
import { isValidUsername } from '../users.js';

/**
 * Where a contact listing stopped: the shard being read and DynamoDB's LastEvaluatedKey in it.
 * Shards 0..shardCount-1 are the owner's own partitions, shardCount..2*shardCount-1 the public
 * index's. The cursor goes to the client and comes back, so it is untrusted input: a crafted
 * key must never reach DynamoDB (a malformed one fails the Query, a foreign one would start
 * reading another owner's partition), hence each key attribute is checked against the shard.
 */
export interface ContactCursor {
  s: number;
  k?: Record<string, string>;
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

/** The owner's own shard `n` is `<owner>#<n>`; a public-index key also names the item's table key. */
function validStartKey(key: unknown, shard: number, owner: string, shardCount: number): boolean {
  if (!isPlainObject(key)) return false;
  if (shard < shardCount) return sameKeys(key, ['id', 'pk']) && key.pk === `${owner}#${shard}` && validId(key.id);
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
  if (!isPlainObject(parsed) || !sameKeys(parsed, 'k' in parsed ? ['k', 's'] : ['s'])) throw invalidCursor();
  const shard = parsed.s;
  if (typeof shard !== 'number' || !Number.isInteger(shard) || shard < 0 || shard >= 2 * shardCount) throw invalidCursor();
  if (!('k' in parsed)) return { s: shard };
  if (!validStartKey(parsed.k, shard, owner, shardCount)) throw invalidCursor();
  return { s: shard, k: parsed.k as Record<string, string> };
}
