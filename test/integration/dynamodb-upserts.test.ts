import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoSourceStore } from '../../lib/adapters/dynamodb-sources.js';
import { DynamoUserRepository } from '../../lib/adapters/dynamodb-users.js';
import type { ReimportSource } from '../../lib/storage/ports.js';
import { type EmbeddedServer, startDynamoDb } from '../../local/embedded-servers.js';
import { createHashKeyTables } from '../support/dynamo-tables.js';

// Upserts are one request against real dynalite: no read before the write, so nothing another
// writer changes between a read and a write is lost.
let dynamo: EmbeddedServer;
const clients: DynamoDBClient[] = [];
const LOCAL = { accessKeyId: 'local', secretAccessKey: 'local' };

/** A client that records the name of each command it sends, and may run `before` ahead of a write. */
function recordingClient(before?: (command: string) => Promise<void>): { client: DynamoDBClient; sent: string[] } {
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: LOCAL });
  const sent: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName ?? '');
      sent.push(command);
      if (before && /^(Put|Update)ItemCommand$/.test(command)) await before(command);
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  clients.push(client);
  return { client, sent };
}

function source(id: string, fields: Partial<ReimportSource> = {}): ReimportSource {
  const now = new Date().toISOString();
  return { id, owner: 'jane.doe', key: `sources/${id}.csv`, mode: 'merge', enabled: true, createdAt: now, updatedAt: now, ...fields };
}

beforeAll(async () => {
  dynamo = await startDynamoDb({});
  await createHashKeyTables(dynamo.endpoint, [
    ['users', 'username'],
    ['sources', 'id'],
  ]);
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await dynamo?.close();
});

describe('DynamoUserRepository.registerUser', () => {
  it('registers in one request, and registering again is one request that keeps the first date', async () => {
    const { client, sent } = recordingClient();
    const users = new DynamoUserRepository(client, 'users');
    const first = await users.registerUser('one.request');
    expect(sent).toHaveLength(1);
    const again = await users.registerUser('one.request');
    expect(sent).toHaveLength(2);
    expect(first.created).toBe(true);
    expect(again).toEqual({ user: first.user, created: false });
    expect(await users.findUser('one.request')).toEqual(first.user);
  });
});

describe('DynamoSourceStore.putSource', () => {
  it('creates and edits in one request each, keeping what the schedule recorded', async () => {
    const { client, sent } = recordingClient();
    const sources = new DynamoSourceStore(client, 'sources');
    const created = source('edited');
    expect(await sources.putSource(created)).toEqual({ source: created, created: true });
    await sources.markRunning('edited', 'import-1', new Date(), 60_000);
    await sources.markFinished('edited', 'import-1', { etag: 'etag-1' });
    await sources.markRunning('edited', 'import-2', new Date(), 60_000);
    await sources.recordTickError('edited', { reason: 'S3 unavailable', at: new Date() });
    sent.length = 0;

    const { key: _key, ...withoutKey } = source('edited', { prefix: 'feeds/', mode: 'replace', enabled: false });
    const edited = await sources.putSource(withoutKey);

    expect(sent).toHaveLength(1);
    expect(edited.created).toBe(false);
    expect(await sources.getSource('edited')).toEqual(edited.source);
    expect(edited.source).toEqual({
      ...withoutKey,
      createdAt: created.createdAt,
      lastImportedEtag: 'etag-1',
      lastImportId: 'import-1',
      runningImportId: 'import-2',
      runningSince: expect.any(String),
    });
  });

  it('does not write back a busy mark that the import cleared while the edit was under way', async () => {
    const setup = new DynamoSourceStore(recordingClient().client, 'sources');
    await setup.putSource(source('racing'));
    expect(await setup.markRunning('racing', 'import-1', new Date(), 60_000)).toBe(true);
    let cleared = false;
    // The import finishes just before the edit's write reaches the table.
    const { client } = recordingClient(async () => {
      if (cleared) return;
      cleared = true;
      await setup.markFinished('racing', 'import-1', { etag: 'etag-1' });
    });

    await new DynamoSourceStore(client, 'sources').putSource(source('racing', { mode: 'replace' }));

    const stored = await setup.getSource('racing');
    expect(cleared).toBe(true);
    expect(stored?.runningImportId).toBeUndefined();
    expect(stored).toMatchObject({ mode: 'replace', lastImportedEtag: 'etag-1' });
  });
});
