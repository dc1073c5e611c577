import type { ImportReport } from '../import/report.js';

/**
 * The `phonebook` command's exit codes, one meaning each, so that a script can tell "fix the
 * file" (3) from "try again later" (4) from "fix the command" (2).
 */
export const EXIT = {
  /** Done; every row imported (or rejected rows allowed with --allow-rejected). */
  ok: 0,
  /** The API answered an error (4xx/5xx), could not be reached, or the import job failed. */
  error: 1,
  /** The command line is wrong: unknown option, missing argument, no token. */
  usage: 2,
  /** The import finished, but rows were rejected (skipped) for what is in the file. */
  rejected: 3,
  /** The import finished, but storage failed rows: nothing wrong with them, import again. */
  failed: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * The exit code a finished import's report gives. Failed rows (the service's fault) always
 * count, since those contacts are not stored; rejected rows only unless `allowRejected`.
 */
export function exitCodeOfReport(report: Pick<ImportReport, 'failed_rows' | 'skipped_rows'>, allowRejected: boolean): ExitCode {
  if (report.failed_rows > 0) return EXIT.failed;
  if (report.skipped_rows > 0 && !allowRejected) return EXIT.rejected;
  return EXIT.ok;
}
