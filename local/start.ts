import path from 'node:path';
import { IMPORT_CAPABILITY } from '../lib/auth/access.js';
import { mintUserToken } from '../lib/auth/jwt.js';
import { ConfigError } from '../lib/errors.js';
import { buildPage } from '../scripts/build-page.js';
import { type LocalStack, PROJECT_ROOT, startLocalStack } from './stack.js';

const DEMO_USERS = ['john.smith', 'jane.doe'];

/** A setting the operator got wrong ends the start with its message, not a stack trace. */
function refuse(message: string): never {
  process.stderr.write(`npm start: ${message}\n`);
  process.exit(2);
}

function portFromEnv(): number {
  const raw = process.env.PORT ?? '8080';
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) refuse(`PORT must be a port number, got '${raw}'`);
  return port;
}

const dataDir = path.resolve(process.env.DATA_DIR ?? path.join(PROJECT_ROOT, '.data'));
// The page is built before the stack starts, so GET / always serves the page of this checkout.
await buildPage();
let stack: LocalStack;
try {
  stack = await startLocalStack({ dataDir, port: portFromEnv(), seedUsers: DEMO_USERS, runSchedules: true });
} catch (error) {
  if (error instanceof ConfigError) refuse(error.message);
  throw error;
}

// The stack leaves JWT_SECRET out when a JWKS is configured without one: only the identity
// provider's tokens count then.
const userTokens = process.env.JWT_SECRET
  ? [
      '  user token:         npm run token -- john.smith            (capability phonebook.ad_phonebook)',
      '                      npm run token -- jane.doe --no-capabilities',
    ]
  : [`  user tokens:        from the identity provider at ${process.env.JWT_JWKS_URL} (not npm run token's)`];

// The link signs the first demo user in: the token rides in the URL fragment, which the browser
// never sends to a server, so no request line or log holds it; the page drops it from the address bar.
const pageLink = process.env.JWT_SECRET
  ? `${stack.url}/#token=${await mintUserToken(stack.secrets.jwtSecret, DEMO_USERS[0] ?? 'john.smith', [IMPORT_CAPABILITY])}`
  : `${stack.url}/ (sign in with a token of your identity provider)`;

process.stdout.write(
  [
    '',
    `phonebook-import is running at ${stack.url}`,
    '',
    `  Open the import page, signed in as ${DEMO_USERS[0]}:`,
    `  ${pageLink}`,
    '',
    `  data:               ${dataDir} (kept across restarts)`,
    `  DynamoDB (local):   ${stack.dynamodbEndpoint}`,
    `  S3 (local):         ${stack.s3Endpoint}`,
    `  demo users:         ${DEMO_USERS.join(', ')}`,
    `  admin allowed from: ${process.env.SUPER_ADMIN_ALLOW_IPS}`,
    '',
    `  super-admin token:  ${stack.secrets.superAdminToken}`,
    ...userTokens,
    '',
    'Try it:',
    `  TOKEN=$(npm run -s token -- john.smith)`,
    `  curl -s -H "Authorization: Bearer $TOKEN" -F "file=@test/fixtures/nethcti-example-contacts.csv" ${stack.url}/phonebook/import/`,
    '',
    'Press Ctrl+C to stop.',
    '',
  ].join('\n'),
);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await stack.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
