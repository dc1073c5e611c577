import { adminPaths } from './paths/admin.js';
import { contactPaths } from './paths/contacts.js';
import { importPaths } from './paths/imports.js';
import { pagePaths } from './paths/page.js';
import { referencePaths } from './paths/reference.js';
import { undoPaths } from './paths/undo.js';
import { userPaths } from './paths/users.js';
import { responses, type Schema, schemas, securitySchemes } from './schemas.js';

const DESCRIPTION = `Bulk import of phonebook contacts, following the NethVoice CTI middleware's phonebook import.

**Who may call.** Every \`/admin/*\` route takes the super-admin token, and only from an IP of the allow-list
(\`superAdmin\`); every other route a user JWT (\`userJwt\`), with the capability \`phonebook.ad_phonebook\`
where the operation lists it. The web page \`/\`, \`/openapi.json\` and \`/docs\` are public.

**Errors.** JSON \`{"message": ..., "error": ...}\` (\`error\`, on 400s, says what to change); refused credentials
\`{"code", "message"}\`. A 4xx is the request's fault; a 5xx ours, and its body reveals nothing. A path or method
not listed here answers 404 \`{"message": "no such route"}\`.

**CORS.** Origins listed in CORS_ORIGINS may call the API from a browser: every path answers the preflight
\`OPTIONS\` at the gateway, and answers (the gateway's 401/403/413/429 included) carry
\`Access-Control-Allow-Origin\`.`;

/**
 * The OpenAPI 3.1 document of every HTTP route: the one source the API reference is served from
 * (`GET /openapi.json`, `GET /docs`) and the integration tests validate every response against.
 * test/unit/openapi-routes.test.ts fails when a route of serverless.yml is missing here.
 */
export const openApiDocument: Schema = {
  openapi: '3.1.0',
  info: { title: 'phonebook-import', version: '0.1.0', description: DESCRIPTION },
  // Relative: the API's own origin and stage, wherever the document is served from.
  servers: [{ url: '.', description: 'this API: the origin and stage the document is served from' }],
  tags: [
    { name: 'import', description: 'synchronous CSV or vCard imports (the reference API’s route), and the preview' },
    { name: 'import jobs', description: 'large files: presigned upload, progress, report, rejected rows; undo' },
    { name: 'contacts', description: 'listing, bulk JSON, export' },
    { name: 'admin', description: 'the super admin’s routes' },
    { name: 'page', description: 'the web page' },
    { name: 'reference', description: 'this document' },
  ],
  paths: { ...pagePaths, ...importPaths, ...undoPaths, ...contactPaths, ...userPaths, ...adminPaths, ...referencePaths },
  components: { schemas, responses, securitySchemes },
};
