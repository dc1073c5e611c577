import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/local-stack.js';

// This stack allows admins only from 10.0.0.0/8 and ::ffff:192.0.2.1; the test client is on
// loopback, so every admin request must be refused whatever the headers claim.
let api: TestStack;
beforeAll(async () => {
  api = await startTestStack({ env: { SUPER_ADMIN_ALLOW_IPS: '10.0.0.0/8, 192.0.2.1' } });
});
afterAll(async () => {
  await api?.close();
});

describe('the admin IP allow-list', () => {
  it('answers 403 to a client outside it, before looking at the token', async () => {
    const response = await api.postForm('/admin/phonebook/import', { username: 'john.smith', file: Buffer.from('name\nA\n') });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ code: 403, message: 'access denied: IP not in allowed list' });
  });

  it('is not fooled by X-Forwarded-For or X-Real-IP naming an allowed address', async () => {
    const response = await api.postForm(
      '/admin/phonebook/import',
      { username: 'john.smith', file: Buffer.from('name\nA\n') },
      { authorization: `Bearer ${api.adminToken}`, 'x-forwarded-for': '10.1.2.3', 'x-real-ip': '192.0.2.1' },
    );
    expect(response.status).toBe(403);
  });

  it('does not restrict user routes', async () => {
    const token = await api.userToken('john.smith');
    const response = await api.postForm('/phonebook/import/', { file: Buffer.from('name\nA\n') }, { authorization: `Bearer ${token}` });
    expect(response.status).toBe(200);
  });
});
