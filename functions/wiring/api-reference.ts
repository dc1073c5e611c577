import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ReferenceRenderer } from '../../lib/openapi/reference-page.js';

/**
 * Swagger UI's files, read once per container from the swagger-ui-dist package: from
 * node_modules locally, and from the copy serverless.yml's package patterns put in the
 * Lambda package (the esbuild bundle holds code, not these assets).
 */
export function referenceRenderer(): ReferenceRenderer {
  const resolve = createRequire(import.meta.url).resolve;
  return {
    script: readFileSync(resolve('swagger-ui-dist/swagger-ui-bundle.js'), 'utf8'),
    stylesheet: readFileSync(resolve('swagger-ui-dist/swagger-ui.css'), 'utf8'),
  };
}
