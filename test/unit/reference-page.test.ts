import { describe, expect, it } from 'vitest';
import { referenceRenderer } from '../../functions/wiring/api-reference.js';
import { openApiDocument } from '../../lib/openapi/document.js';
import { referencePageOf } from '../../lib/openapi/reference-page.js';

describe('the API reference page', () => {
  const page = referencePageOf(openApiDocument, referenceRenderer(), 'phonebook-import');

  it('carries the renderer and the document inline and loads nothing from elsewhere', () => {
    expect(page).not.toMatch(/<script[^>]+src=|<link[^>]+href=|@import/i);
    expect(page).toContain('SwaggerUIBundle({ spec: {"openapi":"3.1.0"');
    // Swagger UI's online validator would send the document to another site.
    expect(page).toContain('validatorUrl: null');
  });

  it('keeps a document string that looks like markup from ending the script', () => {
    const hostile = referencePageOf({ info: { description: '</script><script>alert(1)</script>' } }, { script: '', stylesheet: '' }, 't');
    expect(hostile).not.toContain('</script><script>alert(1)');
    expect(hostile).toContain('\\u003c/script>');
  });

  it('refuses a renderer that would end its own script element', () => {
    expect(() => referencePageOf({}, { script: 'x = "</script>"', stylesheet: '' }, 't')).toThrow(/cannot be inlined/);
  });
});
