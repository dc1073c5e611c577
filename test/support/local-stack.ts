import { mintUserToken } from '../../lib/auth/jwt.js';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../local/stack.js';

export const DEMO_USERS = ['john.smith', 'jane.doe'];

export interface TestStack {
  stack: LocalStack;
  url: string;
  adminToken: string;
  /** A user JWT signed with the stack's secret; capabilities default to the import one. */
  userToken(username: string, capabilities?: string[]): Promise<string>;
  /** POSTs multipart/form-data; values that are Buffers or Blobs go as files. */
  postForm(path: string, form: Record<string, string | Buffer | Blob>, headers?: Record<string, string>): Promise<Response>;
  request(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  close(): Promise<void>;
}

/** Starts a whole local stack (in-memory DynamoDB, temporary S3 folder, gateway on a free port). */
export async function startTestStack(options: LocalStackOptions = {}): Promise<TestStack> {
  const stack = await startLocalStack({ seedUsers: DEMO_USERS, ...options });
  const url = stack.url;
  return {
    stack,
    url,
    adminToken: stack.secrets.superAdminToken,
    userToken: (username, capabilities = ['phonebook.ad_phonebook']) =>
      mintUserToken(stack.secrets.jwtSecret, username, capabilities),
    postForm: (path, form, headers = {}) => {
      const body = new FormData();
      for (const [name, value] of Object.entries(form)) {
        if (typeof value === 'string') body.append(name, value);
        else body.append(name, value instanceof Blob ? value : new Blob([value]), `${name}.csv`);
      }
      return fetch(`${url}${path}`, { method: 'POST', body, headers });
    },
    request: (path, init = {}) => {
      const { token, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token) headers.set('authorization', `Bearer ${token}`);
      return fetch(`${url}${path}`, { ...rest, headers });
    },
    close: () => stack.close(),
  };
}
