// The values the import options and reports take, as plain lists: the parsers check against
// them and the OpenAPI document lists them, and the function serving that document must not
// bundle the decoders and parsers for a few names.

/** The column delimiters read and written. */
export const DELIMITERS = [',', ';', '\t'] as const;

/** The kinds of file an import reads (found from the content, never the name). */
export const FILE_FORMATS = ['csv', 'vcard', 'xlsx'] as const;

/** `unset`: a blank cell clears the stored value (the reference's rule); `keep`: a blank cell never erases one. */
export const EMPTY_CELLS = ['unset', 'keep'] as const;

/** `upsert`: create or update; `create_only`: stored contacts are left alone; `update_only`: nothing is created. */
export const IMPORT_MODES = ['upsert', 'create_only', 'update_only'] as const;

export const IMPORT_OPTION_NAMES = ['delimiter', 'mapping', 'dry_run', 'empty_cells', 'mode', 'encoding', 'sheet'] as const;
