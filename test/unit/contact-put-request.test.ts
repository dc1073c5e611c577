import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { putRequestOf } from '../../lib/adapters/dynamodb-contacts.js';
import { validateContact } from '../../lib/contacts/validate.js';

describe('putRequestOf', () => {
  it('builds the item marshall() would, keys, GSI key and origin included, without empty cells', () => {
    const validation = validateContact({ name: 'Zoë Rossi', company: 'Acme, branch 1', workphone: '+39 0721 1', type: 'public' });
    if (!validation.ok) throw new Error('the sample contact must be valid');
    const contact = { ...validation.contact, id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', owner: 'john.smith' };
    const request = putRequestOf({ rowNumber: 2, contact, origin: { importId: 'imp-1', sourceId: 'src-1' } }, '2026-11-22T12:00:00.000Z');
    expect(request.PutRequest?.Item).toEqual(
      marshall({
        pk: 'john.smith#10',
        id: contact.id,
        owner: 'john.smith',
        updatedAt: '2026-11-22T12:00:00.000Z',
        name: 'Zoë Rossi',
        workphone: '+39 0721 1',
        company: 'Acme, branch 1',
        type: 'public',
        publicPk: 'public#10',
        importId: 'imp-1',
        sourceId: 'src-1',
      }),
    );
  });
});
