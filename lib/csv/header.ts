import { type ContactField, isContactField } from '../contacts/fields.js';
import { InvalidCsvError } from '../errors.js';

export interface HeaderMapping {
  /** For each known column, the index of its cell in a record. */
  columns: ReadonlyArray<readonly [ContactField, number]>;
  /** Header names that are not phonebook columns, as written in the file. */
  unknown: string[];
  /** Known columns named more than once; the first occurrence is used. */
  repeated: string[];
  width: number;
}

/**
 * Maps a header record to contact columns: names are trimmed and case-insensitive, blank
 * header cells (trailing separators) are ignored. Throws InvalidCsvError without `name`.
 */
export function mapHeader(header: readonly string[]): HeaderMapping {
  const columns: Array<readonly [ContactField, number]> = [];
  const seen = new Set<ContactField>();
  const unknown: string[] = [];
  const repeated: string[] = [];
  header.forEach((raw, index) => {
    const name = raw.trim().toLowerCase();
    if (name === '') return;
    if (!isContactField(name)) {
      unknown.push(raw.trim());
      return;
    }
    if (seen.has(name)) {
      repeated.push(name);
      return;
    }
    seen.add(name);
    columns.push([name, index]);
  });
  if (!seen.has('name')) {
    const found = header.map((cell) => cell.trim()).filter((cell) => cell !== '');
    const shown = found.slice(0, 10).join(', ') + (found.length > 10 ? ', ...' : '');
    throw new InvalidCsvError(`the header row has no 'name' column (found: ${shown || 'nothing'})`);
  }
  return { columns, unknown, repeated, width: header.length };
}
