import { expect } from 'vitest';
import type { TestStack } from './local-stack.js';

export type JobView = {
  import_id: string;
  status: string;
  origin: string;
  object_key: string;
  invocations: number;
  progress: { rows_processed: number; bytes_read: number; total_bytes: number; percent: number };
  report?: { total_rows: number; imported_rows: number; failed_rows: number; skipped_rows: number; error_messages: string[] };
  failure_reason?: string;
  note?: string;
  errors_url?: string;
};

export type CreatedUpload = {
  import_id: string;
  upload_url: string;
  expires_at: string;
  status_url: string;
  upload_headers: Record<string, string>;
};

/** POST /phonebook/imports for `size` bytes, as the given user. */
export async function createUpload(api: TestStack, token: string, size: number): Promise<CreatedUpload> {
  const response = await api.request('/phonebook/imports', {
    method: 'POST',
    token,
    body: JSON.stringify({ size }),
    headers: { 'content-type': 'application/json' },
  });
  expect(response.status).toBe(201);
  return (await response.json()) as CreatedUpload;
}

/** Uploads through the presigned URL, as a client would (curl -T). */
export async function putUpload(url: string, body: Buffer): Promise<Response> {
  return fetch(url, { method: 'PUT', body, headers: { 'content-length': String(body.length) } });
}

/** Polls the job until it is completed or failed. */
export async function waitForJob(api: TestStack, token: string, importId: string, timeoutMs = 120_000): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await api.request(`/phonebook/imports/${importId}`, { token });
    expect(response.status).toBe(200);
    const job = (await response.json()) as JobView;
    if (job.status === 'completed' || job.status === 'failed') return job;
    if (Date.now() > deadline) throw new Error(`job ${importId} still ${job.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A CSV of `rows` contacts named `<prefix> <i>`; every `invalidEvery`-th row has a bad type. */
export function contactsCsv(rows: number, prefix: string, invalidEvery = 0): Buffer {
  const lines = ['name,company,workemail,notes,type'];
  for (let i = 1; i <= rows; i++) {
    const type = invalidEvery > 0 && i % invalidEvery === 0 ? 'business' : i % 3 === 0 ? 'public' : 'private';
    lines.push(`${prefix} ${i},Company ${i % 7},p${i}@example.com,"note, ${i}",${type}`);
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}
