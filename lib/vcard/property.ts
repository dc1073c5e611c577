import iconv from 'iconv-lite';

/**
 * One content line → a property: group, name, parameters and the value as text, decoded from
 * its transfer encoding (quoted-printable or base64) and its `CHARSET` (UTF-8 when none is
 * named, and Windows-1252 when the bytes are not UTF-8, as Outlook's vCard 2.1 writes them).
 */

export interface VcardProperty {
  /** `item1` of `item1.TEL`, lower case; undefined without a group. */
  group: string | undefined;
  /** Upper case: `TEL`, `X-ABLABEL`. */
  name: string;
  /** Parameter name (upper case) → its values, as written (quotes removed). */
  params: ReadonlyMap<string, readonly string[]>;
  /** The decoded value, escapes still in place (they depend on the version and the property). */
  value: string;
}

const COLON = 0x3a;
const QUOTE = 0x22;

/** vCard 2.1 writes parameters without a name: `TEL;WORK;VOICE`, `NOTE;QUOTED-PRINTABLE`. */
function paramNameOfBareValue(value: string): string {
  const upper = value.toUpperCase();
  if (upper === 'QUOTED-PRINTABLE' || upper === 'BASE64' || upper === '8BIT' || upper === '7BIT' || upper === 'B') return 'ENCODING';
  return 'TYPE';
}

/** Splits on `separator` outside double quotes. */
function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') quoted = !quoted;
    else if (char === separator && !quoted) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** RFC 6868 escapes in parameter values: ^n newline, ^' double quote, ^^ caret. */
function unescapeParamValue(value: string): string {
  const unquoted = value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  return unquoted.includes('^') ? unquoted.replace(/\^(n|'|\^)/g, (_, c: string) => (c === 'n' ? '\n' : c === "'" ? '"' : '^')) : unquoted;
}

function parseParams(parts: readonly string[]): Map<string, string[]> {
  const params = new Map<string, string[]>();
  for (const part of parts) {
    if (part.trim() === '') continue;
    const equals = part.indexOf('=');
    const name = equals === -1 ? paramNameOfBareValue(part.trim()) : part.slice(0, equals).trim().toUpperCase();
    const raw = equals === -1 ? part.trim() : part.slice(equals + 1);
    const values = splitOutsideQuotes(raw, ',').map(unescapeParamValue);
    params.set(name, [...(params.get(name) ?? []), ...values]);
  }
  return params;
}

/** Index of the colon that ends name and parameters (a colon inside a quoted parameter value does not). */
function valueStartOf(bytes: Buffer): number {
  let quoted = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === QUOTE) quoted = !quoted;
    else if (byte === COLON && !quoted) return i;
  }
  return -1;
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  return -1;
}

/** Quoted-printable → bytes. Soft line breaks were joined by the line reader; a stray `=` stays. */
export function decodeQuotedPrintable(bytes: Buffer): Buffer {
  const out = Buffer.allocUnsafe(bytes.length);
  let length = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    if (byte === 0x3d && i + 2 < bytes.length) {
      const high = hexValue(bytes[i + 1] ?? -1);
      const low = hexValue(bytes[i + 2] ?? -1);
      if (high !== -1 && low !== -1) {
        out[length++] = high * 16 + low;
        i += 2;
        continue;
      }
    }
    out[length++] = byte;
  }
  return out.subarray(0, length);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The text of `bytes` in `charset`; without one (or an unknown one), UTF-8, else `fallback`
 * (the `encoding` the caller named; Windows-1252, as Outlook's vCard 2.1 writes, by default).
 * iconv-lite rather than TextDecoder: Node 20's windows-1252 reads 0x80–0x9F (€, quotes) as
 * control characters, and iconv-lite knows every label decode.ts reads CSV in.
 */
export function decodeText(bytes: Buffer, charset: string | undefined, fallback = 'windows-1252'): string {
  const label = charset?.trim();
  if (label !== undefined && iconv.encodingExists(label)) return iconv.decode(bytes, label);
  // The fast path: valid UTF-8 decodes without a replacement character (unless it holds one itself).
  const text = bytes.toString('utf8');
  if (!text.includes('\uFFFD')) return text;
  try {
    return utf8.decode(bytes);
  } catch {
    return iconv.decode(bytes, fallback);
  }
}

/** Properties whose value is binary data or a reference to it: never decoded as text. */
const BINARY_PROPERTIES: ReadonlySet<string> = new Set(['PHOTO', 'LOGO', 'SOUND', 'KEY']);

export function isBinaryProperty(name: string): boolean {
  return BINARY_PROPERTIES.has(name);
}

/** The group and name of a content line, read from its first bytes (cheap: no value decoding). */
export function nameOfLine(bytes: Buffer): { group: string | undefined; name: string } {
  let end = 0;
  let dot = -1;
  for (; end < bytes.length; end++) {
    const byte = bytes[end];
    if (byte === 0x3b || byte === COLON) break;
    if (byte === 0x2e) dot = end;
  }
  return {
    group: dot === -1 ? undefined : bytes.toString('latin1', 0, dot).trim().toLowerCase(),
    name: bytes
      .toString('latin1', dot + 1, end)
      .trim()
      .toUpperCase(),
  };
}

/**
 * Parses one content line. A line without a colon is not a property: undefined. Binary
 * properties keep an empty value (they are counted, never stored).
 */
export function parseProperty(bytes: Buffer, fallbackCharset?: string): VcardProperty | undefined {
  const end = valueStartOf(bytes);
  if (end === -1) return undefined;
  const { group, name } = nameOfLine(bytes);
  if (name === '') return undefined;
  const head = bytes.toString('latin1', 0, end);
  const semicolon = head.indexOf(';');
  const params = semicolon === -1 ? new Map<string, string[]>() : parseParams(splitOutsideQuotes(head.slice(semicolon + 1), ';'));
  if (BINARY_PROPERTIES.has(name)) return { group, name, params, value: '' };
  const raw = bytes.subarray(end + 1);
  const encoding = params.get('ENCODING')?.[0]?.toUpperCase();
  const charset = params.get('CHARSET')?.[0];
  let valueBytes = raw;
  if (encoding === 'QUOTED-PRINTABLE') valueBytes = decodeQuotedPrintable(raw);
  else if (encoding === 'BASE64' || encoding === 'B') valueBytes = Buffer.from(raw.toString('latin1'), 'base64');
  return { group, name, params, value: decodeText(valueBytes, charset, fallbackCharset) };
}

/** The lower-case TYPE values of a property (`TYPE=work,voice`, `TYPE=work;TYPE=voice`, 2.1 `WORK;VOICE`). */
export function typesOf(property: VcardProperty): Set<string> {
  const types = new Set<string>();
  for (const value of property.params.get('TYPE') ?? []) {
    for (const part of value.split(',')) if (part.trim() !== '') types.add(part.trim().toLowerCase());
  }
  return types;
}

/** A property marked preferred: `PREF=1` (4.0), `TYPE=pref` (3.0), `PREF` (2.1). */
export function isPreferred(property: VcardProperty): boolean {
  return property.params.has('PREF') || typesOf(property).has('pref');
}

/**
 * A text value without its escapes. vCard 3.0 and 4.0 escape `\\` `\,` `\;` and newlines
 * (`\n`, `\N`); vCard 2.1 escapes only `\;`, so its other backslashes (a Windows path in a
 * note) are text.
 */
export function unescapeText(value: string, version: string): string {
  if (!value.includes('\\')) return value;
  if (version === '2.1') return value.replace(/\\;/g, ';');
  // `\:` is not an escape of RFC 6350, but Google Contacts writes it in URLs (`https\://`).
  return value.replace(/\\([nN,;:\\])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

/** The components of a structured value (N, ADR, ORG): split on unescaped `;`, each unescaped. */
export function componentsOf(value: string, version: string): string[] {
  const components: string[] = [];
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const char = value[i];
    if (char === '\\') i++;
    else if (char === ';') {
      components.push(unescapeText(value.slice(start, i), version));
      start = i + 1;
    }
  }
  components.push(unescapeText(value.slice(start), version));
  return components;
}
