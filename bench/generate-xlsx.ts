import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';

/**
 * The generated CSV's rows as an Excel workbook (one sheet, every cell text), written with
 * exceljs's streaming writer: the same contacts, so the workbook stage's figures compare with
 * the CSV stages'. Shared strings, as Excel and LibreOffice write them, so that the reader meets
 * the usual layout (the sheet before its texts in the zip).
 */
export async function workbookOf(csvPath: string, xlsxPath: string): Promise<{ path: string; bytes: number }> {
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: xlsxPath, useSharedStrings: true, useStyles: false });
  const sheet = book.addWorksheet('Contacts');
  // relax_column_count: the generator writes a few ragged rows on purpose; the workbook keeps them.
  const rows = createReadStream(csvPath).pipe(parse({ bom: true, relax_column_count: true, relax_quotes: true }));
  for await (const record of rows as AsyncIterable<string[]>) sheet.addRow(record).commit();
  sheet.commit();
  await book.commit();
  return { path: xlsxPath, bytes: (await stat(xlsxPath)).size };
}
