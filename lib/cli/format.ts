import type { ImportPreview } from '../import/preview-types.js';
import type { ImportReport } from '../import/report.js';

const numbers = new Intl.NumberFormat('en-US');

/** 1234567 → "1,234,567". */
export function count(value: number): string {
  return numbers.format(value);
}

/** Bytes in the largest binary unit that keeps a number ≥ 1: "512 B", "4.0 MiB". */
export function bytesText(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Seconds as "0:07", "12:30", "1:02:03"; "?" when unknown. */
export function durationText(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '?';
  const whole = Math.round(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}

/** One plain line of upload progress, for output that is not a terminal. */
export function uploadLine(sent: number, total: number): string {
  const percent = total > 0 ? Math.floor((sent / total) * 100) : 100;
  return `upload: ${percent}% (${bytesText(sent)} of ${bytesText(total)})`;
}

export interface JobProgressLine {
  status: string;
  percent: number;
  rows: number;
  rowsPerSecond: number | undefined;
  etaSeconds: number | undefined;
}

/** One plain line of a job's progress: "import: running 42% 12,000 rows 1,500 rows/s ETA 0:08". */
export function jobProgressLine(progress: JobProgressLine): string {
  const rate = progress.rowsPerSecond === undefined ? '? rows/s' : `${count(Math.round(progress.rowsPerSecond))} rows/s`;
  return `import: ${progress.status} ${progress.percent}% ${count(progress.rows)} rows ${rate} ETA ${durationText(progress.etaSeconds)}`;
}

/**
 * A report for people: the counts in one sentence, then the first `maxMessages` messages
 * (the file's own notes and the rejected rows, as the service words them).
 */
export function reportText(report: ImportReport, maxMessages = 20): string {
  const lines: string[] = [];
  const verb = report.dry_run ? 'Would import' : 'Imported';
  const split = `${count(report.created_rows)} created, ${count(report.updated_rows)} updated, ${count(report.unchanged_rows)} unchanged`;
  lines.push(`${verb} ${count(report.imported_rows)} of ${count(report.total_rows)} rows (${split}).`);
  lines.push(
    `Rejected: ${count(report.skipped_rows)} skipped (fix the file), ${count(report.failed_rows)} failed (storage; import again).`,
  );
  if (report.dry_run) lines.push('Dry run: nothing was written.');
  const messages = report.error_messages ?? [];
  if (messages.length > 0) {
    lines.push('Messages:');
    for (const message of messages.slice(0, maxMessages)) lines.push(`  ${message}`);
    if (messages.length > maxMessages) lines.push(`  ... ${count(messages.length - maxMessages)} more (--json shows them all)`);
  }
  return lines.join('\n');
}

/** A job as the list route shows it (the fields the table uses). */
export interface JobSummary {
  import_id: string;
  status: string;
  origin?: string;
  created_at?: string;
  progress?: { rows_processed?: number; percent?: number };
  report?: Pick<ImportReport, 'total_rows' | 'imported_rows' | 'skipped_rows' | 'failed_rows'>;
  failure_reason?: string;
}

/** Jobs as an aligned text table, newest first as the service lists them. */
export function jobsTable(jobs: readonly JobSummary[]): string {
  if (jobs.length === 0) return 'No import jobs.';
  const header = ['ID', 'STATUS', 'ORIGIN', 'CREATED', 'PROGRESS', 'ROWS', 'IMPORTED', 'SKIPPED', 'FAILED'];
  const rows = jobs.map((job) => [
    job.import_id,
    job.status,
    job.origin ?? '',
    job.created_at ? job.created_at.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '',
    `${job.progress?.percent ?? 0}%`,
    count(job.report?.total_rows ?? job.progress?.rows_processed ?? 0),
    job.report ? count(job.report.imported_rows) : '',
    job.report ? count(job.report.skipped_rows) : '',
    job.report ? count(job.report.failed_rows) : '',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] as number))
      .join('  ')
      .trimEnd();
  const failures = jobs.filter((job) => job.failure_reason).map((job) => `${job.import_id}: ${job.failure_reason}`);
  return [line(header), ...rows.map(line), ...(failures.length > 0 ? ['', 'Failed:', ...failures.map((f) => `  ${f}`)] : [])].join('\n');
}

/** What `POST /phonebook/import/preview` answers (the fields the text shows; older answers may lack the last two). */
export type FilePreview = Omit<ImportPreview, 'header_error' | 'notes' | 'rows' | 'format'> &
  Partial<Pick<ImportPreview, 'header_error' | 'notes' | 'format'>>;

const DELIMITER_NAMES: Record<string, string> = { ',': 'comma (,)', ';': 'semicolon (;)', '\t': 'tab' };

/** A preview for people: encoding, delimiter, preset, then one line per column with samples. */
export function previewText(preview: FilePreview, maxSampleChars = 60): string {
  const lines = [
    `Encoding:  ${preview.encoding}`,
    `Delimiter: ${DELIMITER_NAMES[preview.delimiter] ?? JSON.stringify(preview.delimiter)}`,
    `Preset:    ${preview.preset ?? 'none (our own column names)'}`,
    `Rows sampled: ${count(preview.rows_sampled)}`,
    '',
  ];
  const header = ['COLUMN', 'FIELD', 'SAMPLES'];
  const rows = preview.columns.map((column) => {
    const samples = column.samples.filter((sample) => sample !== '').join(' | ');
    const shown = samples.length > maxSampleChars ? `${samples.slice(0, maxSampleChars - 1)}…` : samples;
    return [column.header, column.field ?? '(ignored)', shown];
  });
  const widths = [0, 1].map((column) => Math.max((header[column] as string).length, ...rows.map((row) => (row[column] as string).length)));
  const line = (cells: string[]) =>
    `${(cells[0] as string).padEnd(widths[0] as number)}  ${(cells[1] as string).padEnd(widths[1] as number)}  ${cells[2]}`.trimEnd();
  lines.push(line(header), ...rows.map(line));
  if (preview.unknown_columns.length > 0) {
    lines.push('', `Not imported: ${preview.unknown_columns.join(', ')}`);
    lines.push("Map a column with --map 'Header=field' (on import and preview).");
  }
  if (preview.notes && preview.notes.length > 0) lines.push('', 'Notes:', ...preview.notes.map((note) => `  ${note}`));
  if (preview.header_error) lines.push('', `An import would be refused: ${preview.header_error}`);
  return lines.join('\n');
}
