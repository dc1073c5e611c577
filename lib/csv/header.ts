import { type ContactField, isContactField } from '../contacts/fields.js';
import { BadRequestError, InvalidCsvError } from '../errors.js';
import { restoreFormula } from './formula.js';
import {
  type ColumnTarget,
  columnTable,
  detectPreset,
  headerKey,
  isColumnTarget,
  NAME_PARTS,
  NATIVE_COLUMNS,
  type NamePart,
} from './presets.js';

/** A caller's `mapping` form field: source header → our column; `null` or "" drops a column. */
export type ColumnMapping = ReadonlyMap<string, ColumnTarget | null>;

export interface HeaderMapping {
  /** For each contact column read, the index of its cell in a record. */
  columns: ReadonlyArray<readonly [ContactField, number]>;
  /** Name parts, in first/middle/last order, that build `name` when the file has none. */
  nameParts: ReadonlyArray<readonly [NamePart, number]>;
  /** The cell holding a contact id (update in place), when the file has such a column. */
  idColumn: number | undefined;
  /** Header names that are not phonebook columns, as written in the file. */
  unknown: string[];
  /** Columns named more than once; the first occurrence is used. */
  repeated: string[];
  width: number;
  /** The export format recognised from the header, if any. */
  preset: string | undefined;
  /** The last cell index that is read: a row may end early if it lacks only ignored cells. */
  lastUsedIndex: number;
  /** What each header cell became, by index: `null` for blank, unknown, dropped or repeated columns. */
  targets: ReadonlyArray<ColumnTarget | null>;
}

/**
 * Maps a header record to contact columns: names are trimmed and case-insensitive, blank
 * header cells (trailing separators) are ignored. The caller's mapping wins, then a preset
 * recognised from the header (Outlook, Thunderbird, Google...), then our own column names.
 * Throws InvalidCsvError when neither a name (or its parts) nor an id column is found.
 */
export function mapHeader(header: readonly string[], mapping: ColumnMapping = new Map()): HeaderMapping {
  const resolved = resolveHeader(header, mapping);
  if (resolved.problem) throw resolved.problem;
  return resolved.header;
}

/**
 * `mapHeader` without the throw: the mapping, and the error an import would fail with. A
 * preview shows the columns of a file that cannot be imported yet, so the user can map one to `name`.
 */
export function resolveHeader(
  header: readonly string[],
  mapping: ColumnMapping = new Map(),
): { header: HeaderMapping; problem: InvalidCsvError | undefined } {
  const keys = header.map(headerKey);
  const detected = detectPreset(keys);
  const native = columnTable(NATIVE_COLUMNS);
  const columns: Array<readonly [ContactField, number]> = [];
  const parts = new Map<NamePart, number>();
  let idColumn: number | undefined;
  const seen = new Set<ColumnTarget>();
  const unknown: string[] = [];
  const repeated: string[] = [];
  const targets: Array<ColumnTarget | null> = keys.map(() => null);
  let lastUsedIndex = -1;
  keys.forEach((key, index) => {
    if (key === '') return;
    const target = mapping.has(key) ? mapping.get(key) : detected?.table.has(key) ? detected.table.get(key) : native.get(key);
    if (target === undefined || target === null) {
      unknown.push((header[index] ?? '').trim());
      return;
    }
    if (seen.has(target)) {
      repeated.push((header[index] ?? '').trim());
      return;
    }
    seen.add(target);
    targets[index] = target;
    lastUsedIndex = index;
    if (target === 'id') {
      idColumn = index;
      return;
    }
    // First and last name are stored columns and also parts `name` is built from.
    if ((NAME_PARTS as readonly string[]).includes(target)) parts.set(target as NamePart, index);
    if (isContactField(target)) columns.push([target, index]);
  });
  const nameParts = NAME_PARTS.flatMap((part) => {
    const index = parts.get(part);
    return index === undefined ? [] : [[part, index] as const];
  });
  let problem: InvalidCsvError | undefined;
  if (!seen.has('name') && nameParts.length === 0 && idColumn === undefined) {
    const found = header.map((cell) => cell.trim()).filter((cell) => cell !== '');
    const shown = found.slice(0, 10).join(', ') + (found.length > 10 ? ', ...' : '');
    problem = new InvalidCsvError(
      `the header row has no 'name' column (found: ${shown || 'nothing'})`,
      // The "header" of a file without one is its first contact: logs get only the count.
      `the header row has no 'name' column (${found.length} non-empty cells)`,
    );
  }
  return {
    header: {
      columns,
      nameParts,
      idColumn,
      unknown,
      repeated,
      width: header.length,
      preset: detected?.preset.name,
      lastUsedIndex,
      targets,
    },
    problem,
  };
}

/**
 * Extra cells beyond the header are tolerated only when empty (trailing separators); a row
 * may end early only when the cells it lacks are of columns that are not imported.
 * Returns what is wrong, or undefined.
 */
export function widthProblemOf(header: HeaderMapping, cells: readonly string[]): string | undefined {
  const problem = `has ${cells.length} fields but the header has ${header.width}`;
  if (cells.length < header.width && cells.length <= header.lastUsedIndex) return problem;
  for (let i = header.width; i < cells.length; i++) {
    if ((cells[i] ?? '').trim() !== '') return problem;
  }
  return undefined;
}

export interface CsvRecord {
  /** The id cell, when the file has an id column and the cell is not blank. */
  id: string | undefined;
  /** The cells of the columns the file carries, by contact column. */
  cells: Partial<Record<ContactField, string>>;
}

/**
 * One record's cells by contact column. `name` comes from the name column, or, when that
 * is absent or blank, from the first/middle/last name parts.
 */
export function readRecord(header: HeaderMapping, cells: readonly string[]): CsvRecord {
  const mapped: Partial<Record<ContactField, string>> = {};
  for (const [field, index] of header.columns) mapped[field] = cellValue(cells, index);
  if (header.nameParts.length > 0 && !mapped.name) {
    mapped.name = header.nameParts
      .map(([, index]) => cellValue(cells, index))
      .filter((part) => part !== '')
      .join(' ');
  }
  const id = header.idColumn === undefined ? '' : cellValue(cells, header.idColumn);
  return { id: id === '' ? undefined : id, cells: mapped };
}

function cellValue(cells: readonly string[], index: number): string {
  return restoreFormula((cells[index] ?? '').trim());
}

/**
 * Reads the `mapping` form field: a JSON object from source header to one of our columns
 * (`name`, `workemail`, ..., `firstname`, `middlename`, `lastname`, `id`), or null to drop it.
 */
export function parseMappingField(raw: string | undefined): ColumnMapping {
  if (raw === undefined || raw.trim() === '') return new Map();
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new BadRequestError(
      'invalid mapping',
      `'mapping' must be a JSON object: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return parseMappingValue(parsed);
}

/** The `mapping` option given as a JSON value (a job's body, a stored default): same rules and messages. */
export function parseMappingValue(parsed: unknown): ColumnMapping {
  const mapping = new Map<string, ColumnTarget | null>();
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new BadRequestError('invalid mapping', "'mapping' must be a JSON object of source header to column name");
  }
  for (const [source, target] of Object.entries(parsed)) {
    if (target === null || target === '') {
      mapping.set(headerKey(source), null);
      continue;
    }
    const column = typeof target === 'string' ? target.trim().toLowerCase() : '';
    if (!isColumnTarget(column)) {
      throw new BadRequestError('invalid mapping', `mapping of '${source}': '${String(target)}' is not a phonebook column`);
    }
    mapping.set(headerKey(source), column);
  }
  return mapping;
}
