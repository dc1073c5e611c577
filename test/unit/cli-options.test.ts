import { describe, expect, it } from 'vitest';
import { EXIT, exitCodeOfReport } from '../../lib/cli/exit-codes.js';
import { baseUrlOf, chooseImportRoute, mappingOf, syncOnlyOptionsOf, UsageError, wholeNumberOf } from '../../lib/cli/options.js';

describe('mappingOf', () => {
  it('turns Header=field entries into the mapping field, an empty field into null', () => {
    expect(mappingOf(['Vorname=firstname', ' Firma = company', 'Notizen='])).toEqual({
      Vorname: 'firstname',
      Firma: 'company',
      Notizen: null,
    });
  });

  it('splits at the last equals sign, so a header may contain one', () => {
    expect(mappingOf(['a=b=name'])).toEqual({ 'a=b': 'name' });
  });

  it('is undefined without entries, so no mapping field is sent', () => {
    expect(mappingOf([])).toBeUndefined();
  });

  it.each(['name', '=name', ' =x'])('refuses %j as a usage error', (entry) => {
    expect(() => mappingOf([entry])).toThrow(UsageError);
  });

  it('refuses a header mapped twice', () => {
    expect(() => mappingOf(['A=name', 'A=company'])).toThrow(/mapped twice/);
  });
});

describe('chooseImportRoute', () => {
  it('sends a file up to the limit synchronously and a larger one as a job', () => {
    expect(chooseImportRoute(100, 100, 'auto')).toBe('sync');
    expect(chooseImportRoute(101, 100, 'auto')).toBe('job');
  });

  it('takes a job when asked, whatever the size', () => {
    expect(chooseImportRoute(1, 100, 'job')).toBe('job');
  });

  it('refuses a synchronous import of a file over the limit rather than let the gateway answer 413', () => {
    expect(() => chooseImportRoute(101, 100, 'sync')).toThrow(UsageError);
  });
});

describe('syncOnlyOptionsOf', () => {
  it('names the options a job cannot honour', () => {
    expect(syncOnlyOptionsOf({ dryRun: true, map: ['a=name'], delimiter: ';' })).toEqual(['--dry-run', '--map', '--delimiter']);
    expect(syncOnlyOptionsOf({ dryRun: false, map: [] })).toEqual([]);
  });
});

describe('wholeNumberOf and baseUrlOf', () => {
  it('reads whole numbers and names the option of a bad one', () => {
    expect(wholeNumberOf('4194304', '--sync-max-bytes')).toBe(4194304);
    expect(() => wholeNumberOf('4MB', '--sync-max-bytes')).toThrow(/--sync-max-bytes: '4MB'/);
    expect(() => wholeNumberOf('10', '--poll-interval', 50)).toThrow(/at least 50/);
  });

  it('drops trailing slashes and refuses what is not http(s)', () => {
    expect(baseUrlOf('https://api.example.com/prod/')).toBe('https://api.example.com/prod');
    expect(() => baseUrlOf('ftp://x')).toThrow(UsageError);
    expect(() => baseUrlOf('not a url')).toThrow(UsageError);
  });
});

describe('exitCodeOfReport', () => {
  it('is 0 when nothing was rejected', () => {
    expect(exitCodeOfReport({ skipped_rows: 0, failed_rows: 0 }, false)).toBe(EXIT.ok);
  });

  it('is 3 for rejected rows, 0 with --allow-rejected', () => {
    expect(exitCodeOfReport({ skipped_rows: 2, failed_rows: 0 }, false)).toBe(EXIT.rejected);
    expect(exitCodeOfReport({ skipped_rows: 2, failed_rows: 0 }, true)).toBe(EXIT.ok);
  });

  it('is 4 for failed rows even with --allow-rejected: those contacts are not stored', () => {
    expect(exitCodeOfReport({ skipped_rows: 2, failed_rows: 1 }, true)).toBe(EXIT.failed);
  });
});
