import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpload, putUpload, waitForJob } from '../support/imports.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

/**
 * Everything the service writes to stdout and stderr while it imports files full of personal
 * data, at the most verbose log level. The stack runs in this process, so its log lines are
 * this process's writes.
 */
const captured: string[] = [];
const originalWrites = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
const previousLevel = process.env.LOG_LEVEL;

function capture(stream: NodeJS.WriteStream, original: typeof process.stdout.write): void {
  stream.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return original(chunk, ...rest);
  }) as typeof process.stdout.write;
}

/** Cell values no log line may ever hold: names, e-mails, phone numbers, notes. */
const PERSONAL = ['Zelda Quux', 'zelda.quux@example.org', '+39 555 0199', 'Ignatius Wobble', 'wobble@example.net', 'secret note 4711'];
const HEADERLESS = `${PERSONAL[0]},${PERSONAL[1]},${PERSONAL[2]}\n${PERSONAL[3]},${PERSONAL[4]},${PERSONAL[5]}\n`;

let api: TestStack;
beforeAll(async () => {
  process.env.LOG_LEVEL = 'debug';
  capture(process.stdout, originalWrites.out);
  capture(process.stderr, originalWrites.err);
  api = await startTestStack();
});
afterAll(async () => {
  await api?.close();
  process.stdout.write = originalWrites.out;
  process.stderr.write = originalWrites.err;
  process.env.LOG_LEVEL = previousLevel;
});

describe('logs', () => {
  it('hold no cell contents, whatever is wrong with the file and whichever path imports it', async () => {
    const token = await api.userToken('john.smith');
    const auth = { authorization: `Bearer ${token}` };
    const files = [
      HEADERLESS,
      `"${PERSONAL[0]},${PERSONAL[1]}\n`,
      `name,workemail,cellphone,type\n${PERSONAL[0]},${PERSONAL[1]},${PERSONAL[2]},business\n${PERSONAL[3]},${PERSONAL[4]},${'9'.repeat(40)}\n`,
      `name,notes\n${PERSONAL[3]},${PERSONAL[5]}\n${PERSONAL[3]},${PERSONAL[5]}\n`,
    ];
    for (const csv of files) {
      const sync = await api.postForm('/phonebook/import/', { file: Buffer.from(csv) }, auth);
      expect(sync.status).toBeLessThan(500);
      const admin = await api.postForm(
        '/admin/phonebook/import',
        { username: 'john.smith', file: Buffer.from(csv) },
        { authorization: `Bearer ${api.adminToken}` },
      );
      expect(admin.status).toBeLessThan(500);
      const upload = await createUpload(api, token, Buffer.byteLength(csv));
      expect((await putUpload(upload.upload_url, Buffer.from(csv))).status).toBe(200);
      await waitForJob(api, token, upload.import_id);
    }
    await api.s3.send(new PutObjectCommand({ Bucket: api.uploadBucket, Key: 'drop/john.smith/no-header.csv', Body: HEADERLESS }));
    const bulk = await api.request('/phonebook/contacts/bulk', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contacts: [{ name: PERSONAL[0], workemail: PERSONAL[1], type: 'business' }, { workemail: PERSONAL[4] }] }),
    });
    expect(bulk.status).toBeLessThan(500);
    await api.stack.settle();

    // The owner is told what the file held: the answer may quote it, the logs may not.
    const failedJob = await api.request('/phonebook/imports?limit=100', { token });
    expect(JSON.stringify(await failedJob.json())).toContain(PERSONAL[0]);
    const logs = captured.join('');
    expect(logs).toContain('import job failed');
    for (const value of PERSONAL) expect(logs, `a log line holds '${value}'`).not.toContain(value);
  });
});
