/** The result of one import, field for field as the reference API returns it. */
export interface ImportReport {
  message: string;
  total_rows: number;
  imported_rows: number;
  failed_rows: number;
  skipped_rows: number;
  /** Of the imported rows: new contacts, changed ones, and ones already stored as they are. */
  created_rows: number;
  updated_rows: number;
  unchanged_rows: number;
  /**
   * Of the skipped rows, those the mode left alone (no fault of the row): contacts already
   * stored (`mode=create_only`) and rows matching no stored contact (`mode=update_only`).
   * Present only when not zero.
   */
  existing_rows?: number;
  unmatched_rows?: number;
  /** True when nothing was written: the counts say what the import would do. */
  dry_run: boolean;
  error_messages: string[];
}

export const DEFAULT_MAX_ERROR_MESSAGES = 100;

/** `Row 3`, or `Row 3 (line 41)` for a vCard's third card, whose BEGIN:VCARD is line 41. */
function rowLabel(rowNumber: number, line: number | undefined): string {
  return line === undefined ? `Row ${rowNumber}` : `Row ${rowNumber} (line ${line})`;
}

/** The counts of a report, for logs (never the messages: they can quote contact data). */
export function reportCounts(report: ImportReport): Pick<ImportReport, 'total_rows' | 'imported_rows' | 'failed_rows' | 'skipped_rows'> {
  const { total_rows, imported_rows, failed_rows, skipped_rows } = report;
  return { total_rows, imported_rows, failed_rows, skipped_rows };
}

/**
 * Counts rows as they are decided and keeps the first `maxMessages` error messages, then
 * one line saying how many more there were. Every counted row is exactly one of imported,
 * failed (storage gave up) or skipped (the row itself is invalid).
 */
/** What a report has counted so far, small enough to keep in a checkpoint. */
export interface ReportState {
  imported: number;
  failed: number;
  skipped: number;
  /** Absent in checkpoints written before these counts existed. */
  created?: number;
  updated?: number;
  unchanged?: number;
  existing?: number;
  unmatched?: number;
  messages: string[];
  omittedMessages: number;
}

export class ReportBuilder {
  private imported = 0;
  private failed = 0;
  private skipped = 0;
  private created = 0;
  private updated = 0;
  private unchanged = 0;
  private existing = 0;
  private unmatched = 0;
  private messages: string[] = [];
  private omittedMessages = 0;

  constructor(private readonly maxMessages = DEFAULT_MAX_ERROR_MESSAGES) {}

  /** Continues counting where a checkpointed import stopped. */
  static restore(state: ReportState, maxMessages = DEFAULT_MAX_ERROR_MESSAGES): ReportBuilder {
    const builder = new ReportBuilder(maxMessages);
    builder.imported = state.imported;
    builder.failed = state.failed;
    builder.skipped = state.skipped;
    builder.created = state.created ?? 0;
    builder.updated = state.updated ?? 0;
    builder.unchanged = state.unchanged ?? 0;
    builder.existing = state.existing ?? 0;
    builder.unmatched = state.unmatched ?? 0;
    builder.messages = [...state.messages];
    builder.omittedMessages = state.omittedMessages;
    return builder;
  }

  snapshot(): ReportState {
    return {
      imported: this.imported,
      failed: this.failed,
      skipped: this.skipped,
      created: this.created,
      updated: this.updated,
      unchanged: this.unchanged,
      ...(this.existing > 0 ? { existing: this.existing } : {}),
      ...(this.unmatched > 0 ? { unmatched: this.unmatched } : {}),
      messages: [...this.messages],
      omittedMessages: this.omittedMessages,
    };
  }

  get totalRows(): number {
    return this.imported + this.failed + this.skipped;
  }

  get counts(): { imported: number; failed: number; skipped: number } {
    return { imported: this.imported, failed: this.failed, skipped: this.skipped };
  }

  addImported(count = 1): void {
    this.imported += count;
  }

  /** One row applied: imported, and created, updated or left unchanged. */
  addApplied(result: 'created' | 'updated' | 'unchanged'): void {
    this.imported += 1;
    this[result] += 1;
  }

  /** `line`: where the row starts when that is not the row number itself (a vCard's BEGIN:VCARD). */
  addSkipped(rowNumber: number, reason: string, line?: number): void {
    this.skipped += 1;
    this.note(`${rowLabel(rowNumber, line)}: ${reason}`);
  }

  /** A row the import's mode left alone: skipped, with its reason, and counted apart. */
  addLeftAlone(rowNumber: number, reason: string, kind: 'existing' | 'unmatched', line?: number): void {
    this[kind] += 1;
    this.addSkipped(rowNumber, reason, line);
  }

  addFailed(rowNumber: number, reason: string, line?: number): void {
    this.failed += 1;
    this.note(`${rowLabel(rowNumber, line)}: ${reason}`);
  }

  /** Messages about the whole file known only at its end (what a vCard held that had no column): listed first. */
  prependNotes(messages: readonly string[]): void {
    this.messages = [...messages, ...this.messages];
    while (this.messages.length > this.maxMessages) {
      this.messages.pop();
      this.omittedMessages += 1;
    }
  }

  /** A message about the whole file (unknown columns, encoding) that is not a row outcome. */
  note(message: string): void {
    if (this.messages.length < this.maxMessages) this.messages.push(message);
    else this.omittedMessages += 1;
  }

  build(message = 'phonebook import completed', dryRun = false): ImportReport {
    const errorMessages = [...this.messages];
    if (this.omittedMessages > 0) {
      errorMessages.push(`... and ${this.omittedMessages} more errors not listed`);
    }
    return {
      message,
      total_rows: this.totalRows,
      imported_rows: this.imported,
      failed_rows: this.failed,
      skipped_rows: this.skipped,
      created_rows: this.created,
      updated_rows: this.updated,
      unchanged_rows: this.unchanged,
      ...(this.existing > 0 ? { existing_rows: this.existing } : {}),
      ...(this.unmatched > 0 ? { unmatched_rows: this.unmatched } : {}),
      dry_run: dryRun,
      error_messages: errorMessages,
    };
  }
}

/**
 * The HTTP status of a synchronous import's report, as the reference answers it: 400 (the
 * report as body) when the file's rows were all rejected, none imported; otherwise 200. Rows
 * that storage failed are our fault, not the file's, so they never make it a 400; nor do rows
 * the mode left alone, which are what the caller asked for.
 */
/**
 * The body of a synchronous import's answer: the report, without `error_messages` for a file
 * that held no row and gave no message (a header only), as the reference middleware answers it.
 */
export function reportBody(report: ImportReport): Omit<ImportReport, 'error_messages'> & { error_messages?: string[] } {
  if (report.total_rows > 0 || report.error_messages.length > 0) return report;
  const { error_messages: _none, ...rest } = report;
  return rest;
}

export function reportStatus(report: ImportReport): 200 | 400 {
  const rejected = report.skipped_rows - (report.existing_rows ?? 0) - (report.unmatched_rows ?? 0);
  return report.imported_rows === 0 && report.failed_rows === 0 && rejected > 0 ? 400 : 200;
}
