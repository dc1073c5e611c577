import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintUserToken } from '../../lib/auth/jwt.js';
import {
  accessibilityViolationsOf,
  consoleErrorsOf,
  fitsViewport,
  launchBrowser,
  screenshot,
  type TestBrowser,
} from '../support/browser.js';
import { importCsv, ownContacts, ownContactsByName } from '../support/contacts.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

/** Rows a sync import takes in this stack: the large-file test's file is over it, so it must take the job path. */
const SYNC_MAX_ROWS = 100;

let api: TestStack;
let browser: TestBrowser;
beforeAll(async () => {
  // Checkpoints every 200 rows: a job's progress moves while the page polls it.
  // Exports over 64 KB answer 303 to a presigned link, as exports over 3 MB do by default.
  api = await startTestStack({
    env: { SYNC_IMPORT_MAX_ROWS: String(SYNC_MAX_ROWS), IMPORT_CHECKPOINT_ROWS: '200', EXPORT_INLINE_MAX_BYTES: String(64 * 1024) },
  });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await api?.close();
});

const fixture = (name: string) => path.resolve(import.meta.dirname, '../fixtures', name);

/** Opens the page as the npm start link does: the token in the URL fragment. */
async function openSignedIn(username: string): Promise<{ page: Page; console: ReturnType<typeof consoleErrorsOf> }> {
  const page = await browser.context.newPage();
  const console = consoleErrorsOf(page);
  await page.goto(`${api.url}/#token=${await api.userToken(username)}`);
  await page.locator('#user').filter({ hasText: username }).waitFor();
  return { page, console };
}

/** Changes the field of one column and waits for the preview the change asks for. */
async function mapColumn(page: Page, header: string, field: string): Promise<void> {
  const select = page.getByLabel(header, { exact: true });
  await Promise.all([page.waitForResponse((r) => r.url().endsWith('/phonebook/import/preview')), select.selectOption(field)]);
  await expect.poll(() => select.inputValue()).toBe(field);
  await expect.poll(() => select.isEnabled()).toBe(true);
}

const countOf = (page: Page, name: string) => page.locator(`#report-title ~ dl [data-count="${name}"]`).textContent();

describe('the import page in a real browser', () => {
  it('imports the German Outlook export with a changed mapping, and the API stores it so', async () => {
    const { page, console } = await openSignedIn('page.outlook');
    // The token left the address bar as soon as the page read it.
    expect(page.url()).toBe(`${api.url}/`);
    await screenshot(page, 'outlook', '1-signed-in');

    await page.setInputFiles('#file', fixture('outlook-2007_de.csv'));
    await page.locator('#columns').waitFor();
    expect(await page.locator('#preset').textContent()).toBe('Outlook (German)');
    expect(await page.locator('#encoding').textContent()).toBe('utf-8');
    expect(await page.getByLabel('Telefon geschäftlich', { exact: true }).inputValue()).toBe('workphone');
    expect(await page.locator('#unknown').textContent()).toContain('Initialen');
    await screenshot(page, 'outlook', '2-preview');
    expect(await accessibilityViolationsOf(page)).toEqual([]);

    await mapColumn(page, 'Telefon geschäftlich', 'cellphone');
    await mapColumn(page, 'Initialen', 'notes');
    expect(await page.locator('#unknown').textContent()).not.toContain('Initialen');
    await screenshot(page, 'outlook', '3-mapping-changed');

    await page.click('#dry-run');
    await page.locator('#dry-run-result').waitFor();
    expect(await page.locator('#dry-run-result [data-count="would-import"]').textContent()).toBe('1');
    expect(await ownContacts(api, 'page.outlook')).toEqual([]);
    await screenshot(page, 'outlook', '4-dry-run');

    await page.click('#import');
    await page.locator('#report-title').waitFor();
    expect(await countOf(page, 'imported')).toBe('1');
    expect(await countOf(page, 'created')).toBe('1');
    expect(await fitsViewport(page)).toBe(true);
    await screenshot(page, 'outlook', '5-report');
    expect(await accessibilityViolationsOf(page)).toEqual([]);

    const robin = (await ownContactsByName(api, 'page.outlook')).get('Robin Example');
    expect(robin).toMatchObject({ cellphone: '+49 1600000', notes: 'R.M.', company: 'Coding Robin', workemail: 'robin@example.de' });
    expect(robin?.workphone ?? '').toBe('');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export contacts (CSV)' }).click(),
    ]);
    const exported = await readFile((await download.path()) ?? '', 'utf8');
    expect(exported).toContain('Robin Example');
    expect(console.unexpected()).toEqual([]);
  });

  it('imports a file over the sync limit through the presigned upload, with a changed column, showing upload and job progress', async () => {
    const rows = 2_000;
    const filler = 'x'.repeat(400);
    const csv = `name,workphone,notes\n${Array.from({ length: rows }, (_, i) => `Person ${i},+1 555 ${String(i).padStart(4, '0')},${filler}`).join('\n')}\n`;
    const file = path.join(tmpdir(), `page-large-${process.pid}.csv`);
    await writeFile(file, csv);
    const { page, console } = await openSignedIn('page.large');

    await page.setInputFiles('#file', file);
    await page.locator('#columns').waitFor();
    // The job takes the column change as the sync route would.
    await mapColumn(page, 'workphone', 'cellphone');
    await screenshot(page, 'large', '1-preview');
    await page.click('#import');

    type ProgressState = { upload: number | undefined; job: number | undefined; text: string };
    const seen: ProgressState[] = [];
    const report = page.locator('#report-title');
    while (!(await report.isVisible())) {
      // A string, as the tests' type check knows Node's globals and not the DOM's.
      seen.push(
        await page.evaluate<ProgressState>(`({
          upload: document.getElementById('upload-progress')?.value,
          job: document.getElementById('job-progress')?.value,
          text: document.getElementById('job-progress-text')?.textContent ?? '',
        })`),
      );
      if (seen.length === 20) await screenshot(page, 'large', '2-progress');
      await page.waitForTimeout(50);
    }
    await screenshot(page, 'large', '3-report');
    expect(seen.some((state) => state.upload === 100)).toBe(true);
    expect(seen.some((state) => state.job !== undefined && /rows, \d+%/.test(state.text))).toBe(true);
    expect(await countOf(page, 'imported')).toBe(String(rows));

    const jobs = (await (await api.request('/phonebook/imports', { token: await api.userToken('page.large') })).json()) as {
      imports: Array<{ status: string; report?: { total_rows: number } }>;
    };
    expect(jobs.imports).toMatchObject([{ status: 'completed', report: { total_rows: rows } }]);
    const stored = await ownContacts(api, 'page.large');
    expect(stored.length).toBe(rows);
    expect(stored.every((contact) => contact.workphone === '' && /^\+1 555 \d{4}$/.test(contact.cellphone ?? ''))).toBe(true);
    // The history, after a reload (the tab keeps the sign-in): the job, and its report on request.
    await page.reload();
    await page.locator('#jobs').getByText('completed').waitFor();
    await page.getByRole('button', { name: /Show report/ }).click();
    await page.locator('#report-title').waitFor();
    expect(await countOf(page, 'imported')).toBe(String(rows));
    await screenshot(page, 'large', '4-history');
    expect(await accessibilityViolationsOf(page)).toEqual([]);
    // The sync route refused the file first (413, too many rows): that is how the page learns it belongs on the job path.
    expect(console.unexpected([413])).toEqual([]);
  });

  it('downloads an export too large for a response, through the link the API redirects to', async () => {
    const token = await api.userToken('page.export');
    const rows = 90;
    const csv = `name,notes\n${Array.from({ length: rows }, (_, i) => `Export ${i},${'n'.repeat(900)}`).join('\n')}\n`;
    expect((await importCsv(api, token, csv)).status).toBe(200);
    // Over the inline limit: the API answers 303 to the bucket.
    expect((await api.request('/phonebook/export', { token, redirect: 'manual' })).status).toBe(303);
    const { page, console } = await openSignedIn('page.export');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export contacts (CSV)' }).click(),
    ]);
    const exported = await readFile((await download.path()) ?? '', 'utf8');
    expect(exported.trimEnd().split('\r\n')).toHaveLength(rows + 1);
    expect(console.unexpected()).toEqual([]);
  });

  it('lists rejected rows with their reason and cells, and downloads them as errors.csv', async () => {
    const { page, console } = await openSignedIn('page.rejects');
    const csv = 'name,workphone,type\nAda,+44 1,private\n,+44 2,public\nBob,+44 3,business\nCy,12345678901234567890123456789,private\n';
    const file = path.join(tmpdir(), `page-rejects-${process.pid}.csv`);
    await writeFile(file, csv);
    await page.setInputFiles('#file', file);
    await page.locator('#columns').waitFor();
    await page.click('#import');
    await page.locator('#rejected').waitFor();
    await screenshot(page, 'rejects', '1-report');
    expect(await accessibilityViolationsOf(page)).toEqual([]);

    expect(await countOf(page, 'imported')).toBe('1');
    expect(await countOf(page, 'rejected')).toBe('3');
    const table = await Promise.all((await page.locator('#rejected tbody tr').all()).map((row) => row.locator('td').allTextContents()));
    expect(table).toEqual([
      ['3', 'name is empty', '', '+44 2', 'public'],
      ['4', expect.stringContaining("invalid type 'business'"), 'Bob', '+44 3', 'business'],
      ['5', expect.stringContaining('workphone'), 'Cy', '12345678901234567890123456789', 'private'],
    ]);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-errors')]);
    expect(download.suggestedFilename()).toBe('errors.csv');
    const errors = (await readFile((await download.path()) ?? '', 'utf8')).trim().split('\n');
    expect(errors[0]).toBe('row,error,name,workphone,type');
    expect(errors.slice(1).map((line) => line.split(',')[0])).toEqual(['3', '4', '5']);
    expect(errors[2]).toContain('Bob,+44 3,business');
    expect(console.unexpected()).toEqual([]);
  });

  it('says why a sign-in failed: not a token, not accepted, expired, or missing the capability', async () => {
    const page = await browser.context.newPage();
    const console = consoleErrorsOf(page);
    const secret = api.stack.secrets.jwtSecret;
    const good = await api.userToken('page.signin');
    const cases: Array<[string, string, RegExp]> = [
      ['not-a-token', 'garbage', /not a token/],
      ['forged', `${good.slice(0, -4)}AAAA`, /was not accepted/],
      ['expired', await mintUserToken(secret, 'page.signin', ['phonebook.ad_phonebook'], { expiresIn: '-1h' }), /expired on/],
      ['no-capability', await api.userToken('page.signin', []), /does not carry the capability phonebook\.ad_phonebook/],
    ];
    for (const [name, token, message] of cases) {
      await page.goto(`${api.url}/`);
      await page.getByLabel('Your access token').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).press('Enter');
      await expect.poll(() => page.locator('#sign-in-error').textContent()).toMatch(message);
      await screenshot(page, 'sign-in', name);
      if (name === 'forged') expect(await accessibilityViolationsOf(page)).toEqual([]);
    }
    // A link whose token is refused lands on the sign-in form, saying why, with the token gone from the address bar.
    await page.goto(`${api.url}/#token=${cases[1]?.[1]}`);
    await expect.poll(() => page.locator('#sign-in-error').textContent()).toMatch(/was not accepted/);
    expect(page.url()).toBe(`${api.url}/`);
    // The keyboard alone signs in: the field is labelled and the button reachable with Tab.
    await page.getByLabel('Your access token').fill(good);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.locator('#user').filter({ hasText: 'page.signin' }).waitFor();
    expect(console.unexpected([401, 403])).toEqual([]);
  });

  it('has an accessibility check that finds problems: an unlabelled field added to the page is reported', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${api.url}/`);
    await page.getByLabel('Your access token').waitFor();
    expect(await accessibilityViolationsOf(page)).toEqual([]);
    await page.evaluate(`document.querySelector('main').append(Object.assign(document.createElement('input'), { type: 'text' }))`);
    expect(await accessibilityViolationsOf(page)).toEqual([expect.stringMatching(/^label \(critical\)/)]);
  });
});
