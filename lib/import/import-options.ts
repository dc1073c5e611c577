import { parseEncodingField, type SourceEncoding } from '../csv/decode.js';
import { type Delimiter, parseDelimiterField } from '../csv/dialect.js';
import { type ColumnMapping, parseMappingField, parseMappingValue } from '../csv/header.js';
import { BadRequestError } from '../errors.js';
import { EMPTY_CELLS, IMPORT_MODES, IMPORT_OPTION_NAMES } from './option-values.js';
import { parseSheetField } from './sheet-option.js';

export { EMPTY_CELLS, IMPORT_MODES, IMPORT_OPTION_NAMES };

/**
 * The import options, one parser for every import path: the sync form (every value a string),
 * the JSON body of a job, a scheduled source's and a user's stored defaults (JSON values). Same
 * names, same rules, same BadRequestError messages wherever they come from.
 */

export type EmptyCells = (typeof EMPTY_CELLS)[number];

export type ImportMode = (typeof IMPORT_MODES)[number];

/**
 * Validated import options as they are kept on a job, a source or a user: JSON values only
 * (the mapping as its normalised object), defaults left out, so that an absent option means
 * "the default" everywhere.
 */
export interface ImportControls {
  delimiter?: Delimiter;
  /** Normalised source header → column, or null to ignore the column. */
  mapping?: Record<string, string | null>;
  dryRun?: boolean;
  emptyCells?: EmptyCells;
  mode?: ImportMode;
  encoding?: SourceEncoding;
  /** Workbooks: the sheet to read, by name; the first when absent. */
  sheet?: string;
}

/** `true`/`1`/`yes` (any case) mean yes; empty or absent means no. */
export function parseFlag(name: string, raw: string | undefined): boolean {
  const value = (raw ?? '').trim().toLowerCase();
  if (value === '' || value === 'false' || value === '0' || value === 'no') return false;
  if (value === 'true' || value === '1' || value === 'yes') return true;
  throw new BadRequestError(`invalid ${name}`, `'${name}' must be true or false, got '${raw}'`);
}

/** A value as the text a form would have sent: JSON booleans and numbers as written, anything else as JSON. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function oneOf<T extends string>(name: string, allowed: readonly T[], raw: string): T | undefined {
  const value = raw.trim().toLowerCase();
  if (value === '') return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new BadRequestError(`invalid ${name}`, `'${name}' must be ${allowed.map((a) => `'${a}'`).join(' or ')}, got '${raw}'`);
}

function mappingOf(value: unknown): ColumnMapping {
  return typeof value === 'string' ? parseMappingField(value) : parseMappingValue(value);
}

/**
 * Reads the import options out of `values` (form fields, or a JSON object); other keys are
 * not looked at. Absent, null and empty values mean the default, which is then left out.
 * Throws BadRequestError naming the option and what it accepts.
 */
export function parseImportOptions(values: Readonly<Record<string, unknown>>): ImportControls {
  const given = (name: (typeof IMPORT_OPTION_NAMES)[number]): unknown =>
    Object.hasOwn(values, name) && values[name] !== null ? values[name] : undefined;
  const controls: ImportControls = {};
  const delimiter = given('delimiter');
  if (delimiter !== undefined) {
    const parsed = parseDelimiterField(textOf(delimiter));
    if (parsed) controls.delimiter = parsed;
  }
  const mapping = given('mapping');
  if (mapping !== undefined) {
    const parsed = mappingOf(mapping);
    if (parsed.size > 0) controls.mapping = Object.fromEntries(parsed);
  }
  const dryRun = given('dry_run');
  if (dryRun !== undefined && parseFlag('dry_run', textOf(dryRun))) controls.dryRun = true;
  const emptyCells = given('empty_cells');
  if (emptyCells !== undefined) {
    const parsed = oneOf('empty_cells', EMPTY_CELLS, textOf(emptyCells));
    if (parsed && parsed !== 'unset') controls.emptyCells = parsed;
  }
  const mode = given('mode');
  if (mode !== undefined) {
    const parsed = oneOf('mode', IMPORT_MODES, textOf(mode));
    if (parsed && parsed !== 'upsert') controls.mode = parsed;
  }
  const encoding = given('encoding');
  if (encoding !== undefined) {
    const parsed = parseEncodingField(textOf(encoding));
    if (parsed) controls.encoding = parsed;
  }
  const sheet = given('sheet');
  if (sheet !== undefined) {
    if (typeof sheet !== 'string') throw new BadRequestError('invalid sheet', "'sheet' must be the name of a workbook sheet");
    const parsed = parseSheetField(sheet);
    if (parsed) controls.sheet = parsed;
  }
  return controls;
}

/**
 * An `import_options` object (a source's, a user's defaults): the same options, and nothing
 * else, so that a misspelt option is a 400 rather than silently the default. Absent or null: none.
 */
export function parseImportOptionsObject(value: unknown, field = 'import_options'): ImportControls {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new BadRequestError(`invalid ${field}`, `'${field}' must be a JSON object of import options (${IMPORT_OPTION_NAMES.join(', ')})`);
  }
  const unknown = Object.keys(value).filter((key) => !(IMPORT_OPTION_NAMES as readonly string[]).includes(key));
  if (unknown.length > 0) {
    throw new BadRequestError(
      `invalid ${field}`,
      `unknown import option ${unknown.map((key) => `'${key}'`).join(', ')}; the options are ${IMPORT_OPTION_NAMES.join(', ')}`,
    );
  }
  return parseImportOptions(value as Record<string, unknown>);
}

/** The options as the API shows them (job, source and user views): the request's names, defaults spelt out. */
export function importOptionsView(controls: ImportControls | undefined): Record<string, unknown> {
  const c = controls ?? {};
  return {
    ...(c.delimiter ? { delimiter: c.delimiter } : {}),
    ...(c.mapping ? { mapping: c.mapping } : {}),
    dry_run: c.dryRun ?? false,
    empty_cells: c.emptyCells ?? 'unset',
    mode: c.mode ?? 'upsert',
    ...(c.encoding ? { encoding: c.encoding } : {}),
    ...(c.sheet ? { sheet: c.sheet } : {}),
  };
}

/** The pipeline's share of the options (see ImportOptions in pipeline.ts). */
export function pipelineOptionsOf(controls: ImportControls | undefined): {
  delimiter?: Delimiter;
  mapping?: ColumnMapping;
  dryRun?: boolean;
  emptyCells?: EmptyCells;
  mode?: ImportMode;
  encoding?: SourceEncoding;
  sheet?: string;
} {
  const c = controls ?? {};
  return {
    ...(c.delimiter ? { delimiter: c.delimiter } : {}),
    ...(c.mapping ? { mapping: parseMappingValue(c.mapping) } : {}),
    ...(c.dryRun ? { dryRun: true } : {}),
    ...(c.emptyCells ? { emptyCells: c.emptyCells } : {}),
    ...(c.mode ? { mode: c.mode } : {}),
    ...(c.encoding ? { encoding: c.encoding } : {}),
    ...(c.sheet ? { sheet: c.sheet } : {}),
  };
}
