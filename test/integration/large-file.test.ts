import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactsCsv, createUpload, putUpload, waitForJob } from '../support/imports.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

let api: TestStack;
beforeAll(async () => {
  api = await startTestStack();
});
afterAll(async () => {
  await api?.close();
});

describe('a 200,000-row file through the presigned flow', () => {
  it('imports every valid row and accounts for every invalid one', async () => {
    const token = await api.userToken('john.smith');
    const rows = 200_000;
    const csv = contactsCsv(rows, 'Bulk', 1000);
    const created = await createUpload(api, token, csv.length);
    expect((await putUpload(created.upload_url, csv)).status).toBe(200);
    const job = await waitForJob(api, token, created.import_id, 400_000);
    const invalid = rows / 1000;
    expect(job).toMatchObject({
      status: 'completed',
      report: { total_rows: rows, imported_rows: rows - invalid, failed_rows: 0, skipped_rows: invalid },
      progress: { rows_processed: rows, total_bytes: csv.length, percent: 100 },
    });
    const errors = (await (await api.request(`/phonebook/imports/${created.import_id}/errors.csv`, { token })).text())
      .trimEnd()
      .split('\r\n');
    expect(errors).toHaveLength(invalid + 1);
  }, 420_000);
});
