import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCsv } from '../support/contacts.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

// A tiny inline limit stands in for Lambda's 6 MB response cap, so a few hundred contacts
// already take the path a large phonebook takes in the cloud.
let api: TestStack;
beforeAll(async () => {
  api = await startTestStack({ env: { EXPORT_INLINE_MAX_BYTES: '4096' } });
});
afterAll(async () => {
  await api?.close();
});

describe('exporting a phonebook larger than a response may carry', () => {
  it('answers 303 with a download link to the whole CSV in the S3 bucket', async () => {
    const token = await api.userToken('big.book');
    const rows = Array.from({ length: 600 }, (_, i) => `Contact ${i},Company ${i % 7},+39 06 ${100000 + i}`);
    const { body } = await importCsv(api, token, `name,company,workphone\n${rows.join('\n')}\n`);
    expect(body).toMatchObject({ created_rows: 600 });

    const response = await api.request('/phonebook/export', { token, redirect: 'manual' });
    expect(response.status).toBe(303);
    const link = response.headers.get('location') ?? '';
    expect(link).toContain(`${api.stack.s3Endpoint}/`);
    expect(await response.json()).toMatchObject({ url: link, expires_in: 900 });

    const download = await fetch(link);
    expect(download.status).toBe(200);
    const exported = parse(await download.text(), { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(exported).toHaveLength(600);
    expect(new Set(exported.map((row) => row.name)).size).toBe(600);
    expect(exported.find((row) => row.name === 'Contact 42')).toMatchObject({ company: 'Company 0', workphone: "'+39 06 100042" });
  });

  it('is followed by ordinary HTTP clients, which then hold the CSV as if it had been inline', async () => {
    const token = await api.userToken('big.book');
    const response = await api.request('/phonebook/export', { token });
    expect(response.status).toBe(200);
    expect((await response.text()).split('\r\n').filter((line) => line !== '')).toHaveLength(601);
  });

  it('links to a vCard export the same way, served as text/vcard under a .vcf name', async () => {
    const token = await api.userToken('big.book');
    const response = await api.request('/phonebook/export?format=vcf', { token, redirect: 'manual' });
    expect(response.status).toBe(303);
    const link = response.headers.get('location') ?? '';
    expect(new URL(link).pathname.endsWith('.vcf')).toBe(true);
    const download = await fetch(link);
    expect(download.headers.get('content-type')).toBe('text/vcard; charset=utf-8');
    expect(download.headers.get('content-disposition')).toContain('phonebook.vcf');
    const text = await download.text();
    expect(text.match(/^BEGIN:VCARD\r$/gm)).toHaveLength(600);
    expect(text).toContain('FN:Contact 42\r\n');
  });
});
