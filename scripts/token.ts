import path from 'node:path';
import { IMPORT_CAPABILITY } from '../lib/auth/access.js';
import { mintUserToken } from '../lib/auth/jwt.js';
import { PROJECT_ROOT, readLocalSecrets } from '../local/stack.js';

const USAGE = `usage: npm run token -- <username> [capability ...] [--no-capabilities] [--expires 12h] [--groups Sales,Support]
Prints an HS256 JWT for the local stack, signed with the secret in .data/ (or JWT_SECRET),
with iss and aud from JWT_ISSUER and JWT_AUDIENCE when set (as npm start checks them).
Without capabilities the token carries ${IMPORT_CAPABILITY}. --groups adds a groups claim.`;

const args = process.argv.slice(2);
const username = args[0];
if (!username || username.startsWith('-')) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}
let expiresIn = '12h';
let noCapabilities = false;
let groups: string[] | undefined;
const capabilities: string[] = [];
for (let i = 1; i < args.length; i++) {
  const arg = args[i] as string;
  if (arg === '--no-capabilities') noCapabilities = true;
  else if (arg === '--expires') expiresIn = args[++i] ?? expiresIn;
  else if (arg === '--groups') groups = (args[++i] ?? '').split(',').map((group) => group.trim());
  else capabilities.push(arg);
}
if (!noCapabilities && capabilities.length === 0) capabilities.push(IMPORT_CAPABILITY);

const dataDir = path.resolve(process.env.DATA_DIR ?? path.join(PROJECT_ROOT, '.data'));
const secret = process.env.JWT_SECRET || (await readLocalSecrets(dataDir))?.jwtSecret;
if (!secret) {
  process.stderr.write(`No local JWT secret yet: run 'npm start' once (it creates ${dataDir}/local-secrets.json), or set JWT_SECRET.\n`);
  process.exit(1);
}
if (process.env.JWT_JWKS_URL?.trim() && !process.env.JWT_SECRET) {
  process.stderr.write(
    "Note: with JWT_JWKS_URL set and no JWT_SECRET, npm start accepts only the identity provider's tokens, not this one.\n",
  );
}
const issuer = process.env.JWT_ISSUER?.trim();
const audience = process.env.JWT_AUDIENCE?.trim();
const claims = { expiresIn, ...(issuer ? { issuer } : {}), ...(audience ? { audience } : {}), ...(groups ? { groups } : {}) };
process.stdout.write(`${await mintUserToken(secret, username, capabilities, claims)}\n`);
