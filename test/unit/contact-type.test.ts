import { describe, expect, it } from 'vitest';
import { parseContactType, sharedGroupsOf } from '../../lib/contacts/contact-type.js';
import { validateFields } from '../../lib/contacts/validate.js';

describe('the type column', () => {
  it('reads private, public and blank as the reference does', () => {
    expect(parseContactType('')).toBe('private');
    expect(parseContactType(' Private ')).toBe('private');
    expect(parseContactType('PUBLIC')).toBe('public');
  });

  it('normalises group sharing: names trimmed, repeats removed, order kept', () => {
    expect(parseContactType('group: Sales,Support,Sales ')).toBe('group:Sales,Support');
    expect(parseContactType('GROUP:ops')).toBe('group:ops');
    expect(sharedGroupsOf('group:Sales, Support')).toEqual(['Sales', 'Support']);
    expect(sharedGroupsOf('public')).toEqual([]);
  });

  it.each(['group:', 'group: , ', 'group:public', 'group:Sales,private', 'group:group:x', 'business'])('refuses %j', (raw) => {
    expect(parseContactType(raw)).toBeUndefined();
    expect(validateFields({ type: raw })).toEqual({
      ok: false,
      errors: [`invalid type '${raw.trim()}' (must be 'private', 'public', or 'group:<group1,group2>')`],
    });
  });

  it('limits the second phones as phones', () => {
    expect(validateFields({ cellphone2: '1'.repeat(26) })).toEqual({
      ok: false,
      errors: ["field 'cellphone2' is too long (26 characters, max 25)"],
    });
  });
});
