import { describe, expect, it } from 'vitest';
import { contactId } from '../../lib/contacts/identity.js';

// Ids are stored: a re-import finds yesterday's contacts only if today's code computes the same
// ids. These were computed by the first implementation (toLocaleLowerCase('en-US')).
const PINNED: Array<[owner: string, name: string, company: string, id: string]> = [
  ['john.smith', 'John Smith', 'Acme GmbH', '81ac2277c12dfe1179bf98ca050efba5'],
  ['john.smith', '  JOHN   smith ', 'acme gmbh', '81ac2277c12dfe1179bf98ca050efba5'],
  ['john.smith', 'ΟΔΥΣΣΕΥΣ Παπαδόπουλος', 'ΕΛΛΗΝΙΚΆ ΤΡΌΦΙΜΑ ΑΕ', 'e1aeda23bda5da71fd57b0f8eebe45cc'],
  ['john.smith', 'İSMAİL Yılmaz', 'IĞDIR Ltd', '80a2c768d637c052df8161ccbdda5561'],
  ['john.smith', 'Jose\u0301 García', 'Café Lumière', '7540c52914a4032a0a228cb478c423ce'],
  ['john.smith', 'STRASSE Müller ẞ', 'ǅ Ǉ ǈ Σ', 'c37c745f026bc7e22c1a9040050a52f2'],
  ['john.smith', 'Дмитрий ИВАНОВ', '株式会社サンプル', '028d7d9197eeaaa15298e69b88fb9485'],
  ['jane.doe', 'Łukasz\u00a0Żółć\tNowak', 'ＡＢＣ Ⅻ', 'aa84d5f44a0e99e1434a16342943188f'],
];

describe('contactId', () => {
  it.each(PINNED)('keeps the stored id of %s / %s / %s', (owner, name, company, id) => {
    expect(contactId(owner, { name, company })).toBe(id);
  });

  it('ignores case and runs of white space', () => {
    expect(contactId('o', { name: 'Ana  María', company: 'X' })).toBe(contactId('o', { name: ' ana maría ', company: 'x' }));
  });
});
