import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../lib/openapi/document.js';
import { loadServiceDefinition } from '../../local/service-definition.js';
import { documentedPathOf } from '../support/openapi-validation.js';

const definition = await loadServiceDefinition(path.join(import.meta.dirname, '../../serverless.yml'));
const paths = openApiDocument.paths as Record<string, Record<string, unknown>>;
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const documented = Object.entries(paths).flatMap(([template, item]) =>
  Object.keys(item)
    .filter((method) => METHODS.includes(method))
    .map((method) => `${method.toUpperCase()} ${template}`),
);

describe('the OpenAPI document', () => {
  it.each(definition.routes.map((route) => [`${route.method} ${route.resource}`] as const))('describes %s', (route) => {
    expect(documented).toContain(route);
  });

  it('describes no route that serverless.yml does not declare', () => {
    const declared = definition.routes.map((route) => `${route.method} ${route.resource}`);
    expect(documented.filter((route) => !declared.includes(route))).toEqual([]);
  });

  it('names every operation once (code generators make a function of each operationId)', () => {
    const ids = Object.values(paths).flatMap((item) =>
      Object.values(item).map((operation) => (operation as { operationId: string }).operationId),
    );
    expect(ids).toHaveLength(documented.length);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('is OpenAPI 3.1 with both security schemes, and every operation says who may call it', () => {
    expect(openApiDocument.openapi).toBe('3.1.0');
    const components = openApiDocument.components as { securitySchemes: Record<string, unknown> };
    expect(Object.keys(components.securitySchemes).sort()).toEqual(['superAdmin', 'userJwt']);
    for (const [template, item] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const security = (operation as { security?: Array<Record<string, unknown>> }).security;
        const expected = template.startsWith('/admin/') ? 'superAdmin' : security?.length === 0 ? undefined : 'userJwt';
        expect(security?.map((requirement) => Object.keys(requirement)[0])[0], `${method} ${template}`).toBe(expected);
      }
    }
  });

  it('compiles: every schema is valid JSON Schema 2020-12 and every $ref resolves', () => {
    const ajv = new Ajv2020({ strict: false });
    addFormats.default(ajv);
    ajv.addFormat('binary', true);
    ajv.addSchema(openApiDocument, 'openapi.json');
    const pointers: string[] = [];
    const walk = (node: unknown, at: string[]) => {
      if (!node || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node)) {
        if (key === 'schema')
          pointers.push([...at, key].map((s) => encodeURIComponent(s.replaceAll('~', '~0').replaceAll('/', '~1'))).join('/'));
        else walk(value, [...at, key]);
      }
    };
    walk(openApiDocument, []);
    expect(pointers.length).toBeGreaterThan(40);
    for (const pointer of pointers) expect(ajv.getSchema(`openapi.json#/${pointer}`), pointer).toBeTypeOf('function');
  });

  it('matches request paths as the gateway does: a trailing slash and parameters', () => {
    expect(documentedPathOf('/phonebook/import/')).toBe('/phonebook/import');
    expect(documentedPathOf('/phonebook/imports/abc')).toBe('/phonebook/imports/{id}');
    expect(documentedPathOf('/phonebook/imports/abc/errors.csv')).toBe('/phonebook/imports/{id}/errors.csv');
    expect(documentedPathOf('/')).toBe('/');
    expect(documentedPathOf('/nowhere')).toBeUndefined();
  });
});
