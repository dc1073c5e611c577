// The names alone, without the decoders: the OpenAPI document lists them, and the function
// that serves it should not bundle iconv-lite and the encoding detector for a list of names.

/**
 * The encodings a file may be read in, by the names the report and the `encoding` option use.
 * Stored in job checkpoints: a name once written must keep its meaning.
 */
export const SOURCE_ENCODINGS = [
  'utf-8',
  'utf-16le',
  'utf-16be',
  'windows-1250',
  'windows-1251',
  'windows-1252',
  'windows-1253',
  'windows-1254',
  'windows-1257',
  'iso-8859-1',
  'iso-8859-2',
  'iso-8859-5',
  'iso-8859-7',
  'iso-8859-9',
  'iso-8859-15',
  'koi8-r',
  'koi8-u',
  'macintosh',
  'shift_jis',
  'gb18030',
] as const;

export type SourceEncoding = (typeof SOURCE_ENCODINGS)[number];
