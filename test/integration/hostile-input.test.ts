import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/local-stack.js';
import type { ImportReport } from '../../lib/import/report.js';

/**
 * Random and mutated requests on the real HTTP routes of a local stack. The promises: the
 * process never crashes (an unhandled error fails this file), a malformed request is never
 * answered with a 5xx, and every import report accounts for each row.
 */
let api: TestStack;
let userAuth: string;
beforeAll(async () => {
  api = await startTestStack();
  userAuth = `Bearer ${await api.userToken('hostile.tester')}`;
});
afterAll(async () => {
  await api?.close();
});

type Report = ImportReport;

/** Checks an import answer: no 5xx, JSON always, and the report invariant on a 200. */
/**
 * No 5xx; a report (a 200, or the 400 of a file whose every row was rejected) accounts for every
 * row; any other answer says why. Resolves with whether the importer reported on the file.
 */
async function expectAccounted(response: Response): Promise<boolean> {
  const text = await response.text();
  expect(response.status, text).toBeLessThan(500);
  const body = JSON.parse(text) as Report & { message?: string };
  expect(typeof body.message).toBe('string');
  const reported = response.status === 200 || (response.status === 400 && typeof body.total_rows === 'number');
  if (reported) expect(body.total_rows).toBe(body.imported_rows + body.failed_rows + body.skipped_rows);
  if (response.status === 200) expect(typeof body.total_rows).toBe('number');
  return reported;
}

/** Cells built from the characters that make CSV hard: quotes, separators, line ends, bytes. */
const CELL_CHARACTERS = [
  'a',
  'Z',
  '7',
  ' ',
  ',',
  ';',
  '"',
  '\t',
  '\r',
  '\n',
  "'",
  '=',
  '+',
  '@',
  '-',
  'é',
  'ß',
  '€',
  '\u0000',
  '\u00ff',
  '|',
];
const cell = fc.array(fc.constantFrom(...CELL_CHARACTERS), { maxLength: 12 }).map((characters) => characters.join(''));
const csvText = fc
  .tuple(
    fc.array(cell, { minLength: 1, maxLength: 6 }),
    fc.array(fc.array(cell, { maxLength: 8 }), { maxLength: 12 }),
    fc.constantFrom(',', ';', '\t'),
    fc.constantFrom('\n', '\r\n', '\r'),
  )
  .map(([header, rows, delimiter, newline]) => [header, ...rows].map((cells) => cells.join(delimiter)).join(newline));
const headerWords = fc.constantFrom(
  'name',
  'NAME',
  ' name ',
  'workemail',
  'type',
  'id',
  'firstname',
  'lastname',
  'cellphone',
  'company',
  'notes',
  'x',
);
const plausibleCsv = fc
  .tuple(fc.uniqueArray(headerWords, { minLength: 1, maxLength: 6 }), fc.array(fc.array(cell, { maxLength: 7 }), { maxLength: 15 }))
  .map(([header, rows]) => [header.join(','), ...rows.map((cells) => cells.join(','))].join('\n'));
const csvBytes = fc.oneof(
  csvText.map((text) => Buffer.from(text, 'utf8')),
  plausibleCsv.map((text) => Buffer.from(text, 'utf8')),
  plausibleCsv.map((text) => Buffer.from(`\ufeff${text}`, 'utf16le')),
  fc.uint8Array({ maxLength: 600 }).map((bytes) => Buffer.from(bytes)),
);

const BOUNDARY = 'hostileBoundary7MA4YWxk';
function multipart(parts: Array<{ name: string; filename?: string; content: Buffer }>, boundary = BOUNDARY): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename === undefined ? '' : `; filename="${part.filename}"`}`;
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\nContent-Type: text/csv\r\n\r\n`),
      part.content,
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

/** What can happen to a body on the way: cut short, bytes changed, a range lost or doubled. */
type Mutation = { kind: 'truncate' | 'flip' | 'delete' | 'duplicate'; at: number; length: number; byte: number };
const mutation = fc.record({
  kind: fc.constantFrom('truncate', 'flip', 'delete', 'duplicate'),
  at: fc.nat(),
  length: fc.integer({ min: 1, max: 40 }),
  byte: fc.integer({ min: 0, max: 255 }),
}) as fc.Arbitrary<Mutation>;

function mutate(body: Buffer, mutations: Mutation[]): Buffer {
  let result = body;
  for (const { kind, at, length, byte } of mutations) {
    const position = result.length === 0 ? 0 : at % result.length;
    if (kind === 'truncate') result = result.subarray(0, position);
    else if (kind === 'flip') result = Buffer.concat([result.subarray(0, position), Buffer.from([byte]), result.subarray(position + 1)]);
    else if (kind === 'delete') result = Buffer.concat([result.subarray(0, position), result.subarray(position + length)]);
    else result = Buffer.concat([result.subarray(0, position + length), result.subarray(position)]);
  }
  return result;
}

const contentType = fc.oneof(
  fc.constant(`multipart/form-data; boundary=${BOUNDARY}`),
  fc.constant('multipart/form-data'),
  fc.constant(`multipart/form-data; boundary="${BOUNDARY}"; charset=utf-16`),
  fc.constant('multipart/form-data; boundary='),
  fc.string({ maxLength: 60 }).map((value) => `multipart/form-data; boundary=${value}`),
  fc.string({ maxLength: 60 }),
);

const RUNS = { numRuns: 120, endOnFailure: true } as const;

describe('hostile input on the real routes', () => {
  it('any CSV bytes as a file: no 5xx, every row accounted for', async () => {
    let reports = 0;
    await fc.assert(
      fc.asyncProperty(csvBytes, async (bytes) => {
        const body = multipart([{ name: 'file', filename: 'contacts.csv', content: bytes }]);
        const response = await api.request('/phonebook/import/', {
          method: 'POST',
          body,
          headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, authorization: userAuth },
        });
        if (await expectAccounted(response)) reports += 1;
      }),
      RUNS,
    );
    // The generators must reach the importer, not only its front door: a report, 200 or (every
    // row rejected, as the reference answers it) 400, says the rows were read.
    expect(reports).toBeGreaterThan(RUNS.numRuns / 10);
  });

  it('mutated multipart bodies and content types on the user and admin routes: never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        plausibleCsv,
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        contentType,
        fc.boolean(),
        async (csv, mutations, type, admin) => {
          const parts = [
            ...(admin ? [{ name: 'username', content: Buffer.from('john.smith') }] : []),
            { name: 'file', filename: 'c.csv', content: Buffer.from(csv) },
            { name: 'delimiter', content: Buffer.from(',') },
          ];
          const body = mutate(multipart(parts), mutations);
          const response = await api.request(admin ? '/admin/phonebook/import' : '/phonebook/import/', {
            method: 'POST',
            body,
            headers: { 'content-type': type, authorization: admin ? `Bearer ${api.adminToken}` : userAuth },
          });
          await expectAccounted(response);
        },
      ),
      RUNS,
    );
  });

  it('random option fields (mapping, delimiter, dry_run, csv_content): never a 5xx', async () => {
    const field = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value)),
    );
    await fc.assert(
      fc.asyncProperty(plausibleCsv, field, field, field, fc.boolean(), async (csv, mapping, delimiter, dryRun, asText) => {
        const parts = [
          asText ? { name: 'csv_content', content: Buffer.from(csv) } : { name: 'file', filename: 'c.csv', content: Buffer.from(csv) },
          { name: 'mapping', content: Buffer.from(mapping) },
          { name: 'delimiter', content: Buffer.from(delimiter) },
          { name: 'dry_run', content: Buffer.from(dryRun) },
        ];
        const response = await api.request('/phonebook/import/', {
          method: 'POST',
          body: multipart(parts),
          headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, authorization: userAuth },
        });
        await expectAccounted(response);
      }),
      RUNS,
    );
  });

  it('random JSON bodies on the JSON routes: never a 5xx', async () => {
    const routes = [
      { path: '/phonebook/contacts/bulk', auth: () => userAuth },
      { path: '/phonebook/imports', auth: () => userAuth },
      { path: '/admin/phonebook/imports', auth: () => `Bearer ${api.adminToken}` },
    ];
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
      fc
        .record({
          contacts: fc.array(fc.dictionary(fc.constantFrom('name', 'id', 'type', 'workemail', 'x'), fc.jsonValue({ maxDepth: 1 })), {
            maxLength: 5,
          }),
        })
        .map((value) => JSON.stringify(value)),
      fc
        .record({ size: fc.oneof(fc.integer(), fc.double(), fc.string()), username: fc.string({ maxLength: 20 }) })
        .map((value) => JSON.stringify(value)),
      fc.string({ maxLength: 80 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), body, async (route, text) => {
        const response = await api.request(route.path, {
          method: 'POST',
          body: text,
          headers: { 'content-type': 'application/json', authorization: route.auth() },
        });
        const answer = await response.text();
        expect(response.status, `${route.path} ${text} -> ${answer}`).toBeLessThan(500);
      }),
      RUNS,
    );
  });

  it('random paths and queries on the read routes: never a 5xx', async () => {
    const segment = fc.oneof(fc.string({ maxLength: 20 }).map(encodeURIComponent), fc.stringMatching(/^[%0-9A-Fa-fxZ.]{1,12}$/));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          '/phonebook/imports/',
          '/admin/users/',
          '/admin/sources/',
          '/phonebook/contacts?cursor=',
          '/phonebook/contacts?limit=',
          '/admin/phonebook/imports?username=',
          '/admin/phonebook/export?username=',
        ),
        segment,
        async (prefix, value) => {
          const admin = prefix.startsWith('/admin');
          const method = prefix === '/admin/users/' ? 'PUT' : 'GET';
          const response = await api.request(`${prefix}${value}`, {
            method,
            headers: { authorization: admin ? `Bearer ${api.adminToken}` : userAuth },
          });
          await response.text();
          expect(response.status, `${method} ${prefix}${value}`).toBeLessThan(500);
        },
      ),
      RUNS,
    );
  });

  it('is still serving after all of it', async () => {
    const response = await api.postForm('/phonebook/import/', { file: Buffer.from('name\nStill Here\n') }, { authorization: userAuth });
    expect(response.status).toBe(200);
  });
});
