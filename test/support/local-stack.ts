import { S3Client } from '@aws-sdk/client-s3';
import { LOCAL_S3_CREDENTIALS } from '../../lib/adapters/aws-clients.js';
import { mintUserToken } from '../../lib/auth/jwt.js';
import { LIMITS_OFF_ENV } from '../../local/limits-off.js';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../local/stack.js';
import { assertDocumentedResponse } from './openapi-validation.js';

export const DEMO_USERS = ['john.smith', 'jane.doe'];

export interface TestStack {
  stack: LocalStack;
  url: string;
  adminToken: string;
  /** A user JWT signed with the stack's secret; capabilities default to the import one. */
  userToken(username: string, capabilities?: string[]): Promise<string>;
  /**
   * POSTs multipart/form-data; values that are Buffers or Blobs go as files. Like `request`,
   * it fails when the response is not one the OpenAPI document describes.
   */
  postForm(path: string, form: Record<string, string | Buffer | Blob>, headers?: Record<string, string>): Promise<Response>;
  /** A request to the API; it fails when the response is not one the OpenAPI document describes. */
  request(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  /** Every contact the user sees (GET /phonebook/contacts, all pages), optionally only their own. */
  contactsOf(username: string, options?: { ownOnly?: boolean; pageSize?: number }): Promise<Array<Record<string, string>>>;
  /** An S3 client on the embedded server, and the upload bucket's name. */
  s3: S3Client;
  uploadBucket: string;
  close(): Promise<void>;
}

/**
 * The rate limits and the gateway's throttling set out of the way of tests that are not
 * about them (property tests send hundreds of requests a second as one user); the tests of
 * the limits (rate-limits.test.ts, gateway-throttling.test.ts) set their own.
 */
export const UNLIMITED_ENV: Readonly<Record<string, string>> = LIMITS_OFF_ENV;

/** The response, once checked against the OpenAPI document (a test fails on one it does not describe). */
async function documented(method: string, url: string, pending: Promise<Response>): Promise<Response> {
  const response = await pending;
  await assertDocumentedResponse(method, url, response);
  return response;
}

/** Starts a whole local stack (in-memory DynamoDB, temporary S3 folder, gateway on a free port). */
export async function startTestStack(options: LocalStackOptions = {}): Promise<TestStack> {
  const stack = await startLocalStack({ seedUsers: DEMO_USERS, ...options, env: { ...UNLIMITED_ENV, ...options.env } });
  const url = stack.url;
  const s3 = new S3Client({
    endpoint: stack.s3Endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: LOCAL_S3_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  const request = (path: string, init: RequestInit & { token?: string } = {}) => {
    const { token, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    return documented(rest.method ?? 'GET', `${url}${path}`, fetch(`${url}${path}`, { ...rest, headers }));
  };
  return {
    s3,
    uploadBucket: stack.buckets.UploadBucket ?? '',
    stack,
    url,
    adminToken: stack.secrets.superAdminToken,
    userToken: (username, capabilities = ['phonebook.ad_phonebook']) => mintUserToken(stack.secrets.jwtSecret, username, capabilities),
    postForm: (path, form, headers = {}) => {
      const body = new FormData();
      for (const [name, value] of Object.entries(form)) {
        if (typeof value === 'string') body.append(name, value);
        else body.append(name, value instanceof Blob ? value : new Blob([value]), `${name}.csv`);
      }
      return documented('POST', `${url}${path}`, fetch(`${url}${path}`, { method: 'POST', body, headers }));
    },
    request,
    contactsOf: async (username, { ownOnly = false, pageSize = 1000 } = {}) => {
      const token = await mintUserToken(stack.secrets.jwtSecret, username, []);
      const contacts: Array<Record<string, string>> = [];
      let cursor: string | null = null;
      do {
        const query: string = `?limit=${pageSize}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const response = await request(`/phonebook/contacts${query}`, { token });
        if (response.status !== 200) throw new Error(`listing contacts answered ${response.status}`);
        const page = (await response.json()) as { contacts: Array<Record<string, string>>; next_cursor: string | null };
        contacts.push(...page.contacts);
        cursor = page.next_cursor;
      } while (cursor);
      return ownOnly ? contacts.filter((contact) => contact.owner === username) : contacts;
    },
    close: async () => {
      s3.destroy();
      await stack.close();
    },
  };
}
