import { describe, expect, it } from 'vitest';
import { bytesText, durationText, jobProgressLine, jobsTable, previewText, reportText, uploadLine } from '../../lib/cli/format.js';
import { RateEstimator } from '../../lib/cli/rate.js';
import type { ImportReport } from '../../lib/import/report.js';

const report: ImportReport = {
  message: 'phonebook import completed',
  total_rows: 1200,
  imported_rows: 1197,
  failed_rows: 1,
  skipped_rows: 2,
  created_rows: 1000,
  updated_rows: 190,
  unchanged_rows: 7,
  dry_run: false,
  error_messages: ['Row 5: name is empty', 'Row 9: invalid type', 'Row 12: storage refused the write'],
};

describe('reportText', () => {
  it('says the counts in words and lists the messages', () => {
    const text = reportText(report);
    expect(text).toContain('Imported 1,197 of 1,200 rows (1,000 created, 190 updated, 7 unchanged).');
    expect(text).toContain('2 skipped');
    expect(text).toContain('1 failed');
    expect(text).toContain('  Row 9: invalid type');
    expect(text).not.toContain('Dry run');
  });

  it('says a dry run wrote nothing, and cuts long message lists', () => {
    const text = reportText({ ...report, dry_run: true }, 2);
    expect(text).toMatch(/^Would import/);
    expect(text).toContain('Dry run: nothing was written.');
    expect(text).not.toContain('Row 12');
    expect(text).toContain('... 1 more');
  });
});

describe('progress lines', () => {
  it('shows the upload in percent and binary units', () => {
    expect(uploadLine(512 * 1024, 2 * 1024 * 1024)).toBe('upload: 25% (512.0 KiB of 2.0 MiB)');
    expect(bytesText(100)).toBe('100 B');
  });

  it('shows a job with rate and ETA, or question marks before they are known', () => {
    expect(jobProgressLine({ status: 'running', percent: 42, rows: 12000, rowsPerSecond: 1500.4, etaSeconds: 8 })).toBe(
      'import: running 42% 12,000 rows 1,500 rows/s ETA 0:08',
    );
    expect(jobProgressLine({ status: 'running', percent: 0, rows: 0, rowsPerSecond: undefined, etaSeconds: undefined })).toBe(
      'import: running 0% 0 rows ? rows/s ETA ?',
    );
  });

  it('writes durations as m:ss and h:mm:ss', () => {
    expect(durationText(65)).toBe('1:05');
    expect(durationText(3723)).toBe('1:02:03');
    expect(durationText(Number.POSITIVE_INFINITY)).toBe('?');
  });
});

describe('RateEstimator', () => {
  it('gives rows per second and the time left from the byte rate', () => {
    const rates = new RateEstimator(10_000);
    rates.add({ at: 0, rows: 0, bytes: 0 });
    rates.add({ at: 2000, rows: 4000, bytes: 200_000 });
    expect(rates.estimate(1_000_000)).toEqual({ rowsPerSecond: 2000, etaSeconds: 8 });
  });

  it('follows the recent pace, not the average since the start', () => {
    const rates = new RateEstimator(10_000);
    rates.add({ at: 0, rows: 0, bytes: 0 });
    rates.add({ at: 10_000, rows: 100, bytes: 100 });
    rates.add({ at: 20_000, rows: 10_100, bytes: 10_100 });
    rates.add({ at: 25_000, rows: 15_100, bytes: 15_100 });
    expect(rates.estimate(20_100).rowsPerSecond).toBe(1000);
  });

  it('knows nothing from one sample, and no time is left when every byte is read', () => {
    const rates = new RateEstimator();
    rates.add({ at: 0, rows: 0, bytes: 0 });
    expect(rates.estimate(100)).toEqual({ rowsPerSecond: undefined, etaSeconds: undefined });
    rates.add({ at: 1000, rows: 10, bytes: 100 });
    expect(rates.estimate(100).etaSeconds).toBe(0);
  });
});

describe('jobsTable', () => {
  it('aligns the jobs and lists failure reasons under them', () => {
    const table = jobsTable([
      {
        import_id: 'id-1',
        status: 'completed',
        origin: 'upload',
        created_at: '2026-01-02T03:04:05.678Z',
        progress: { percent: 100 },
        report: { total_rows: 1234, imported_rows: 1230, skipped_rows: 4, failed_rows: 0 },
      },
      { import_id: 'id-2', status: 'failed', origin: 'drop', progress: { percent: 0 }, failure_reason: 'user not registered' },
    ]);
    const [header, first, second] = table.split('\n');
    expect(header).toMatch(/^ID\s+STATUS\s+ORIGIN\s+CREATED\s+PROGRESS\s+ROWS\s+IMPORTED\s+SKIPPED\s+FAILED$/);
    expect(first).toMatch(/^id-1\s+completed\s+upload\s+2026-01-02 03:04:05Z\s+100%\s+1,234\s+1,230\s+4\s+0$/);
    expect(second?.indexOf('failed')).toBe(header?.indexOf('STATUS'));
    expect(table).toContain('id-2: user not registered');
    expect(jobsTable([])).toBe('No import jobs.');
  });
});

describe('previewText', () => {
  it('shows how the file is read and which columns are left out', () => {
    const text = previewText({
      encoding: 'windows-1252',
      delimiter: ';',
      preset: 'outlook-de',
      columns: [
        { header: 'Vorname', field: 'firstname', samples: ['Anna', '', 'Jörg'] },
        { header: 'Geburtstag', field: null, samples: ['1.1.1990'] },
      ],
      unknown_columns: ['Geburtstag'],
      rows_sampled: 2,
      header_error: "no 'name' column",
      notes: ['header recognised: Outlook (German) export'],
    });
    expect(text).toContain('Encoding:  windows-1252');
    expect(text).toContain('Delimiter: semicolon (;)');
    expect(text).toContain('Preset:    outlook-de');
    expect(text).toMatch(/Vorname\s+firstname\s+Anna \| Jörg/);
    expect(text).toMatch(/Geburtstag\s+\(ignored\)\s+1\.1\.1990/);
    expect(text).toContain('Not imported: Geburtstag');
    expect(text).toContain('  header recognised: Outlook (German) export');
    expect(text).toContain("An import would be refused: no 'name' column");
  });
});
