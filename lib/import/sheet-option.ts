import { BadRequestError } from '../errors.js';

/**
 * The `sheet` option (a sync form field, a job's JSON body): a workbook's sheet to read, by
 * name; absent or blank means the first sheet. Its own module, so that the job-creating
 * functions need not bundle the import pipeline to read it.
 */
export function parseSheetField(raw: string | undefined): string | undefined {
  const sheet = raw?.trim();
  if (sheet === undefined || sheet === '') return undefined;
  // Excel's own limit on a sheet name.
  if (sheet.length > 31) throw new BadRequestError('invalid sheet', `'sheet' names a workbook sheet (at most 31 characters)`);
  return sheet;
}
