import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCliBundle } from '../../scripts/build-cli.js';
import { importCsv, ownContacts } from '../support/contacts.js';
import { createUpload, putUpload, waitForJob } from '../support/imports.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

let api: TestStack;
beforeAll(async () => {
  // Rows per invocation well below the big workbook's, so its job continues in fresh
  // invocations, each reading the workbook again from the start and skipping the rows done.
  api = await startTestStack({
    env: { IMPORT_CHECKPOINT_ROWS: '5000', IMPORT_ROWS_PER_INVOCATION: '40000', SYNC_IMPORT_MAX_ROWS: '1000' },
  });
});
afterAll(async () => {
  await api?.close();
});

function fixture(name: string): Promise<Buffer> {
  return readFile(new URL(`../fixtures/xlsx/${name}`, import.meta.url));
}

/**
 * A workbook of `rows` contacts written with exceljs's streaming writer (rows committed one by
 * one, never the whole sheet in memory); the phone is a number under a format with a leading zero.
 */
async function bigWorkbook(rows: number, prefix: string): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: true, useStyles: true });
  const sheet = book.addWorksheet('Contacts');
  sheet.addRow(['Name', 'Company', 'E-mail Address', 'Business Phone']).commit();
  for (let i = 1; i <= rows; i++) {
    const row = sheet.addRow([`${prefix} ${i}`, `Company ${i % 7}`, `p${i}@example.com`, 300_000_000 + i]);
    row.getCell(4).numFmt = '0000000000';
    row.commit();
  }
  sheet.commit();
  await book.commit();
  return Buffer.concat(chunks);
}

describe('Excel workbooks on the sync route', () => {
  it('reads a LibreOffice workbook by its content (the stack names it file.csv), leading zeros and dates as shown', async () => {
    const token = await api.userToken('xlsx.sync');
    const { status, body } = await importCsv(api, token, await fixture('leading-zeros_dates.xlsx'));
    expect(status).toBe(200);
    expect(body).toMatchObject({ total_rows: 2, imported_rows: 2, skipped_rows: 0, failed_rows: 0 });
    expect(body.error_messages).toEqual([
      "the file was read as an Excel workbook (sheet 'leading-zeros_dates', 2 rows)",
      'unknown columns ignored: Geburtstag',
    ]);
    const anna = (await ownContacts(api, 'xlsx.sync')).find((contact) => contact.name === 'Anna Zeller');
    expect(anna).toMatchObject({ workphone: '0301234567', cellphone: '00491701234567', workpostalcode: '01067' });
  });

  it('applies the mapping and the sheet field to a workbook as to a CSV file', async () => {
    const token = await api.userToken('xlsx.sheet');
    const book = new ExcelJS.Workbook();
    book.addWorksheet('Notes').addRows([['nothing'], ['here']]);
    book.addWorksheet('Leute').addRows([
      ['Wer', 'Geburtstag'],
      ['Lena Kurz', new Date(Date.UTC(1990, 4, 6))],
    ]);
    const sheet = book.getWorksheet('Leute');
    if (sheet) sheet.getCell('B2').numFmt = 'dd.mm.yyyy';
    const bytes = Buffer.from(await book.xlsx.writeBuffer());
    const { status, body } = await importCsv(api, token, bytes, { sheet: 'Leute', mapping: '{"Wer":"name","Geburtstag":"notes"}' });
    expect(status).toBe(200);
    expect(body).toMatchObject({ total_rows: 1, imported_rows: 1 });
    expect((body.error_messages as string[])[0]).toBe("the file was read as an Excel workbook (sheet 'Leute', 1 row)");
    expect((await ownContacts(api, 'xlsx.sheet')).map((c) => [c.name, c.notes])).toEqual([['Lena Kurz', '06.05.1990']]);
    const unknown = await importCsv(api, token, bytes, { sheet: 'Kontakte' });
    expect(unknown).toMatchObject({
      status: 400,
      body: { message: 'invalid CSV file', error: "the workbook has no sheet named 'Kontakte'; its sheets are 'Notes', 'Leute'" },
    });
  });

  it('answers .xls and .ods files with a 400 that says to save them as .xlsx or CSV', async () => {
    const token = await api.userToken('xlsx.refused');
    const xls = await importCsv(api, token, await fixture('leading-zeros_dates.xls'));
    expect(xls.status).toBe(400);
    expect(String(xls.body.error)).toContain('Excel 97-2003 workbook (.xls)');
    expect(String(xls.body.error)).toContain('save it as .xlsx (Excel Workbook) or CSV');
    const ods = await importCsv(api, token, await fixture('leading-zeros_dates.ods'));
    expect(ods.status).toBe(400);
    expect(String(ods.body.error)).toContain('OpenDocument spreadsheet (.ods)');
  });

  it('previews a workbook', async () => {
    const token = await api.userToken('xlsx.preview');
    const response = await api.postForm(
      '/phonebook/import/preview',
      { file: await fixture('outlook-2007_de.xlsx') },
      { authorization: `Bearer ${token}` },
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ format: 'xlsx', preset: 'Outlook (German)' });
  });

  it('refuses a workbook of more rows than the sync limit, pointing to the jobs route', async () => {
    const token = await api.userToken('xlsx.sync');
    const { status, body } = await importCsv(api, token, await bigWorkbook(1200, 'Over'));
    expect(status).toBe(413);
    expect(body).toMatchObject({ total_rows: 1001, max_rows: 1000, jobs_route: 'POST /phonebook/imports' });
  });
});

describe('the CLI preview of a workbook', () => {
  it('sends a workbook larger than a preview cut (256 KiB) whole, and shows its columns', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'phonebook-xlsx-cli-'));
    try {
      const bundle = path.join(dir, 'phonebook.mjs');
      await buildCliBundle(bundle);
      const workbookFile = path.join(dir, 'contacts.xlsx');
      const bytes = await bigWorkbook(20_000, 'Cli');
      expect(bytes.length).toBeGreaterThan(256 * 1024);
      await writeFile(workbookFile, bytes);
      const env: Record<string, string | undefined> = {
        ...process.env,
        PHONEBOOK_URL: api.url,
        PHONEBOOK_TOKEN: await api.userToken('xlsx.cli'),
      };
      delete env.PHONEBOOK_SYNC_MAX_BYTES;
      const stdout = await new Promise<string>((resolve, reject) =>
        execFile(process.execPath, [bundle, 'preview', workbookFile, '--json'], { cwd: dir, env }, (error, out) =>
          error ? reject(error) : resolve(out),
        ),
      );
      const preview = JSON.parse(stdout) as { format: string; columns: Array<{ header: string; field: string | null; samples: string[] }> };
      expect(preview.format).toBe('xlsx');
      expect(preview.columns.find((column) => column.header === 'Business Phone')).toMatchObject({
        field: 'workphone',
        samples: ['0300000001', '0300000002', '0300000003', '0300000004', '0300000005'],
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('Excel workbooks on the job path', () => {
  it('reads the sheet the job body names, and refuses a sheet option that is not a name', async () => {
    const token = await api.userToken('xlsx.job-sheet');
    const book = new ExcelJS.Workbook();
    book.addWorksheet('Intro').addRows([['name'], ['Not This One']]);
    book.addWorksheet('Team').addRows([
      ['name', 'workphone'],
      ['Mara Licht', '0049 30 1'],
    ]);
    const file = Buffer.from(await book.xlsx.writeBuffer());
    const create = (body: unknown) =>
      api.request('/phonebook/imports', {
        method: 'POST',
        token,
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
    const refused = await create({ size: file.length, sheet: 7 });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ message: 'invalid sheet' });
    const created = await create({ size: file.length, sheet: 'team' });
    expect(created.status).toBe(201);
    const upload = (await created.json()) as { import_id: string; upload_url: string };
    expect((await putUpload(upload.upload_url, file)).ok).toBe(true);
    const job = await waitForJob(api, token, upload.import_id);
    expect(job.report).toMatchObject({ total_rows: 1, imported_rows: 1 });
    expect(job.report?.error_messages[0]).toBe("the file was read as an Excel workbook (sheet 'Team', 1 row)");
    expect((await ownContacts(api, 'xlsx.job-sheet')).map((c) => [c.name, c.workphone])).toEqual([['Mara Licht', '0049 30 1']]);
  });

  it('imports a 100,000-row workbook streamed from S3 over several invocations, every row once', async () => {
    const rows = 100_000;
    const token = await api.userToken('xlsx.job');
    const file = await bigWorkbook(rows, 'Row');
    const created = await createUpload(api, token, file.length);
    expect((await putUpload(created.upload_url, file)).ok).toBe(true);
    const job = await waitForJob(api, token, created.import_id, 290_000);
    expect(job.failure_reason).toBeUndefined();
    expect(job.status).toBe('completed');
    expect(job.invocations).toBeGreaterThanOrEqual(3);
    expect(job.report).toMatchObject({ total_rows: rows, imported_rows: rows, failed_rows: 0, skipped_rows: 0 });
    expect(job.report?.error_messages[0]).toBe("the file was read as an Excel workbook (sheet 'Contacts', 100,000 rows)");
    const contacts = await ownContacts(api, 'xlsx.job');
    expect(contacts).toHaveLength(rows);
    expect(new Set(contacts.map((contact) => contact.name)).size).toBe(rows);
    expect(contacts.find((contact) => contact.name === 'Row 77')).toMatchObject({ workphone: '0300000077', workemail: 'p77@example.com' });
  }, 300_000);
});
