import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { resolveSecret, SECRET_MAX_AGE_SECONDS } from '../../lib/adapters/aws-clients.js';
import { clientSettingsOf } from '../../lib/config.js';

/**
 * A small SSM stand-in on 127.0.0.1 that speaks the GetParameter JSON protocol the SDK sends,
 * so the real client and Powertools Parameters' cache are what is tested.
 */
let server: Server;
let endpoint: string;
let value = 'token-before-rotation';
const requests: string[] = [];
beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      requests.push(`${String(request.headers['x-amz-target'])} ${body}`);
      const name = (JSON.parse(body) as { Name: string }).Name;
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify({ Parameter: { Name: name, Type: 'SecureString', Value: value, Version: 1 } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  vi.useRealTimers();
  await new Promise((resolve) => server.close(resolve));
});

describe('secrets from SSM', () => {
  it('are read once, then again after the cache expiry, so a rotation needs no cold start', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const settings = clientSettingsOf({ SSM_ENDPOINT: endpoint, AWS_REGION: 'eu-west-1' });
    const ref = { ssmParameter: '/phonebook-import/test/super-admin-token' };
    expect(await resolveSecret(settings, ref)).toBe('token-before-rotation');
    expect(await resolveSecret(settings, ref)).toBe('token-before-rotation');
    expect(requests).toHaveLength(1);
    expect(requests[0]).toContain('AmazonSSM.GetParameter');
    expect(requests[0]).toContain('"WithDecryption":true');

    value = 'token-after-rotation';
    vi.setSystemTime(Date.now() + (SECRET_MAX_AGE_SECONDS - 10) * 1000);
    expect(await resolveSecret(settings, ref)).toBe('token-before-rotation');
    vi.setSystemTime(Date.now() + 20 * 1000);
    expect(await resolveSecret(settings, ref)).toBe('token-after-rotation');
    expect(requests).toHaveLength(2);
  });
});
