/**
 * Spreadsheets run a cell that starts with = + - @ (or a tab or CR before one) as a formula,
 * which a crafted contact could use to run commands on whoever opens an export (CSV
 * injection). Export prefixes such cells with an apostrophe; import removes exactly one, so
 * export → import gives back the very value stored. A value that itself starts with
 * apostrophes before such a character gets one more on export, which keeps the mapping
 * one-to-one.
 */
const NEEDS_QUOTE = /^'*[=+\-@\t\r]/;
const QUOTED = /^'+[=+\-@\t\r]/;
const APOSTROPHE = 0x27;

/** The cell as written to an export. */
export function neutraliseFormula(value: string): string {
  return NEEDS_QUOTE.test(value) ? `'${value}` : value;
}

/** The value an imported cell stands for: the inverse of `neutraliseFormula`. */
export function restoreFormula(cell: string): string {
  // Nearly no cell starts with an apostrophe: one character compare before the regex.
  return cell.charCodeAt(0) === APOSTROPHE && QUOTED.test(cell) ? cell.slice(1) : cell;
}
