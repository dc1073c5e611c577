import path from 'node:path';
import { PROJECT_ROOT, startLocalStack } from './stack.js';

const DEMO_USERS = ['john.smith', 'jane.doe'];

function portFromEnv(): number {
  const raw = process.env.PORT ?? '8080';
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`PORT must be a port number, got '${raw}'\n`);
    process.exit(2);
  }
  return port;
}

const dataDir = path.resolve(process.env.DATA_DIR ?? path.join(PROJECT_ROOT, '.data'));
const stack = await startLocalStack({ dataDir, port: portFromEnv(), seedUsers: DEMO_USERS, runSchedules: true });

process.stdout.write(
  [
    '',
    `phonebook-import is running at ${stack.url}`,
    `  data:               ${dataDir} (kept across restarts)`,
    `  DynamoDB (local):   ${stack.dynamodbEndpoint}`,
    `  S3 (local):         ${stack.s3Endpoint}`,
    `  demo users:         ${DEMO_USERS.join(', ')}`,
    '',
    `  super-admin token:  ${stack.secrets.superAdminToken}`,
    '  user token:         npm run token -- john.smith            (capability phonebook.ad_phonebook)',
    '                      npm run token -- jane.doe --no-capabilities',
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
