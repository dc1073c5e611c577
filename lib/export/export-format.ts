import { BadRequestError } from '../errors.js';
import type { ContactReader } from '../storage/ports.js';
import { exportContactsCsv } from './csv-export.js';
import { exportContactsVcard } from './vcard-export.js';

/** The file formats an export is offered in, with how each is served. */
export const EXPORT_FORMATS = {
  csv: { contentType: 'text/csv; charset=utf-8', filename: 'phonebook.csv', write: exportContactsCsv },
  vcf: { contentType: 'text/vcard; charset=utf-8', filename: 'phonebook.vcf', write: exportContactsVcard },
} as const satisfies Record<
  string,
  {
    contentType: string;
    filename: string;
    write: (reader: ContactReader, owner: string, groups: readonly string[]) => AsyncIterable<string>;
  }
>;

export type ExportFormat = keyof typeof EXPORT_FORMATS;

/** The `format` query parameter: `csv` (also when absent or empty) or `vcf`, any case; anything else is a 400 naming both. */
export function parseExportFormat(raw: string | undefined): ExportFormat {
  const value = (raw ?? '').trim().toLowerCase();
  if (value === '') return 'csv';
  if (Object.hasOwn(EXPORT_FORMATS, value)) return value as ExportFormat;
  const accepted = Object.keys(EXPORT_FORMATS).join(', ');
  throw new BadRequestError('invalid format', `'format' must be one of: ${accepted} (got '${raw}')`);
}
