import { describe, expect, it } from 'vitest';
import { createTokenVerifier, mintUserToken } from '../../lib/auth/jwt.js';
import { BadRequestError } from '../../lib/errors.js';
import { groupsOfClaim, MAX_GROUP_NAME_LENGTH, MAX_GROUPS_PER_USER, memberGroupsOf, validateGroupNames } from '../../lib/groups.js';

function problemOf(value: unknown): string | undefined {
  try {
    validateGroupNames(value);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestError);
    return String((error as BadRequestError).body.error);
  }
}

describe('validateGroupNames', () => {
  it('trims names, drops repeats and keeps the first-seen order', () => {
    expect(validateGroupNames([' Sales ', 'Support', 'Sales', 'sales'])).toEqual(['Sales', 'Support', 'sales']);
  });

  it('takes an empty list, which clears a user groups', () => {
    expect(validateGroupNames([])).toEqual([]);
  });

  it('names the entry and the problem', () => {
    expect(problemOf('Sales')).toBe("'groups' must be an array of group names");
    expect(problemOf({ 0: 'Sales' })).toBe("'groups' must be an array of group names");
    expect(problemOf(['Sales', null])).toBe('groups[1] must be a string');
    expect(problemOf(['Sales', ' \t '])).toBe('groups[1] is empty');
    expect(problemOf(['PUBLIC'])).toMatch(/^groups\[0\] is reserved/);
    expect(problemOf([' private'])).toMatch(/^groups\[0\] is reserved/);
    expect(problemOf(['a,b'])).toBe('groups[0] contains a comma');
    expect(problemOf(['group:Sales'])).toBe("groups[0] starts with 'group:'");
    expect(problemOf(['line\nbreak'])).toBe('groups[0] contains a control character');
  });

  it('bounds the length of a name and the number of groups', () => {
    expect(problemOf(['x'.repeat(MAX_GROUP_NAME_LENGTH)])).toBeUndefined();
    expect(problemOf(['x'.repeat(MAX_GROUP_NAME_LENGTH + 1)])).toBe(`groups[0] is longer than ${MAX_GROUP_NAME_LENGTH} characters`);
    const many = Array.from({ length: MAX_GROUPS_PER_USER + 1 }, (_, i) => `g${i}`);
    expect(problemOf(many.slice(0, -1))).toBeUndefined();
    expect(problemOf(many)).toBe(`at most ${MAX_GROUPS_PER_USER} groups per user (got ${MAX_GROUPS_PER_USER + 1})`);
    // Repeats are dropped before counting.
    expect(problemOf([...many.slice(0, -1), 'g0'])).toBeUndefined();
  });
});

describe('groupsOfClaim and memberGroupsOf', () => {
  it('reads a claim leniently: names no contact could carry are left out, the rest kept', () => {
    expect(groupsOfClaim(['Sales', ' Support ', 'public', '', 7, 'a,b', 'Sales'])).toEqual(['Sales', 'Support']);
    expect(groupsOfClaim('Sales')).toEqual([]);
    expect(groupsOfClaim(undefined)).toEqual([]);
  });

  it('joins the stored groups and the claimed ones, sorted, each once', () => {
    expect(memberGroupsOf(['Support', 'Sales'], ['Sales', 'Ops'])).toEqual(['Ops', 'Sales', 'Support']);
    expect(memberGroupsOf([], [])).toEqual([]);
  });

  it('takes the groups claim of a verified token', async () => {
    const secret = 'a-test-secret-of-at-least-32-characters!';
    const verify = createTokenVerifier({ secret, algorithms: ['HS256'] });
    const token = await mintUserToken(secret, 'john', [], { groups: ['Sales', 'public'] });
    await expect(verify(token)).resolves.toEqual({ username: 'john', capabilities: [], groups: ['Sales'] });
  });
});
