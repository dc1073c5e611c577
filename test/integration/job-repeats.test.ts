import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactsCsv, createUpload, putUpload, waitForJob } from '../support/imports.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

// One second of work per invocation, a checkpoint every 300 rows: a few thousand rows take
// several invocations, so the first occurrence of a row and its repeat fall in different ones.
let api: TestStack;
beforeAll(async () => {
  api = await startTestStack({ env: { IMPORT_TIME_BUDGET_MS: '1000', IMPORT_CHECKPOINT_ROWS: '300' } });
});
afterAll(async () => {
  await api?.close();
});

describe('in-file repeats in a job longer than one invocation', () => {
  it('are reported as duplicates of the row an earlier invocation handled, and leave its contact as that row wrote it', async () => {
    const token = await api.userToken('john.smith');
    const unique = contactsCsv(5000, 'Repeat');
    // The first 100 contacts again at the end of the file, with other notes.
    const repeats = Array.from({ length: 100 }, (_, i) => `Repeat ${i + 1},Company ${(i + 1) % 7},p${i + 1}@example.com,changed,private`);
    const csv = Buffer.concat([unique, Buffer.from(`${repeats.join('\n')}\n`)]);
    const created = await createUpload(api, token, csv.length);
    await putUpload(created.upload_url, csv);

    const job = await waitForJob(api, token, created.import_id, 300_000);

    expect(job.status).toBe('completed');
    expect(job.invocations).toBeGreaterThanOrEqual(2);
    expect(job.report).toMatchObject({ total_rows: 5100, imported_rows: 5000, skipped_rows: 100, failed_rows: 0 });
    expect(job.report?.error_messages[0]).toBe('Row 5002: duplicate of row 2 (same name and company)');
    expect(job.report?.error_messages).toHaveLength(100);
    const contacts = (await api.contactsOf('john.smith', { ownOnly: true })).filter((c) => c.name?.startsWith('Repeat '));
    expect(contacts).toHaveLength(5000);
    expect(contacts.filter((c) => c.notes === 'changed')).toEqual([]);
  });
});
