/** The renderer the page is drawn with: Swagger UI's browser bundle and its stylesheet. */
export interface ReferenceRenderer {
  script: string;
  stylesheet: string;
}

/**
 * The content security policy of the page: it loads nothing from anywhere (everything is
 * inline), and its "try it out" requests go to the API's own origin only.
 */
export const REFERENCE_PAGE_CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'";

/** Text inside a <script> element must not close it. */
function scriptSafe(code: string, what: string): string {
  if (/<\/script/i.test(code)) throw new Error(`${what} contains '</script' and cannot be inlined`);
  return code;
}

/**
 * The API reference as one self-contained HTML page: the renderer and the document inline, so
 * the page works offline and behind any proxy (no CDN, no second request). Swagger UI's online
 * validator badge is turned off: it would send the document to another site.
 */
export function referencePageOf(document: unknown, renderer: ReferenceRenderer, title: string): string {
  // `<` escaped: the JSON cannot end the script element whatever its strings say.
  const spec = JSON.stringify(document).replaceAll('<', '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title.replace(/[<&]/g, '')} API reference</title>
<style>${renderer.stylesheet.replace(/<\/style/gi, '')}</style>
</head>
<body>
<main id="reference"></main>
<script>${scriptSafe(renderer.script, 'the renderer')}</script>
<script>
window.ui = SwaggerUIBundle({ spec: ${spec}, dom_id: '#reference', validatorUrl: null, deepLinking: true, tryItOutEnabled: false });
</script>
</body>
</html>
`;
}
