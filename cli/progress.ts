import cliProgress from 'cli-progress';
import { bytesText, count, durationText, jobProgressLine, uploadLine } from '../lib/cli/format.js';
import { RateEstimator } from '../lib/cli/rate.js';

/** A job's progress as the status route shows it. */
export interface JobProgress {
  status: string;
  percent: number;
  rows: number;
  bytes: number;
  totalBytes: number;
}

/** Where the import command reports what it is doing; on stderr, so stdout keeps the report. */
export interface ProgressView {
  upload(sent: number, total: number): void;
  uploadDone(): void;
  job(progress: JobProgress): void;
  jobDone(): void;
  note(text: string): void;
}

/** One bar on stderr, redrawn in place. */
function barOf(format: string): cliProgress.SingleBar {
  return new cliProgress.SingleBar({ format, stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic);
}

/** Bars redrawn in place, for a terminal: upload, then the job (rows/s, percent, ETA). */
class TerminalProgress implements ProgressView {
  private uploadBar: cliProgress.SingleBar | undefined;
  private jobBar: cliProgress.SingleBar | undefined;
  private readonly rates = new RateEstimator();

  upload(sent: number, total: number): void {
    if (!this.uploadBar) {
      this.uploadBar = barOf('upload  [{bar}] {percentage}% | {sentText} of {totalText} | ETA {eta_formatted}');
      this.uploadBar.start(total, 0, { sentText: bytesText(0), totalText: bytesText(total) });
    }
    this.uploadBar.update(sent, { sentText: bytesText(sent) });
  }

  uploadDone(): void {
    this.uploadBar?.stop();
    this.uploadBar = undefined;
  }

  job(progress: JobProgress): void {
    this.rates.add({ at: Date.now(), rows: progress.rows, bytes: progress.bytes });
    const { rowsPerSecond, etaSeconds } = this.rates.estimate(progress.totalBytes);
    const payload = {
      status: progress.status,
      rows: count(progress.rows),
      rate: rowsPerSecond === undefined ? '?' : count(Math.round(rowsPerSecond)),
      etaText: durationText(etaSeconds),
    };
    if (!this.jobBar) {
      this.jobBar = barOf('import  [{bar}] {percentage}% | {rows} rows | {rate} rows/s | ETA {etaText} | {status}');
      this.jobBar.start(Math.max(1, progress.totalBytes), 0, payload);
    }
    this.jobBar.update(progress.bytes, payload);
  }

  jobDone(): void {
    this.jobBar?.stop();
    this.jobBar = undefined;
  }

  note(text: string): void {
    process.stderr.write(`${text}\n`);
  }
}

/**
 * Plain lines for logs and pipes (no cursor movement): the upload at every tenth, the job when
 * its status changes and otherwise at most every `intervalMs`, and always its last state.
 */
class LineProgress implements ProgressView {
  private uploadStep = -1;
  private readonly rates = new RateEstimator();
  private lastLineAt = 0;
  private lastStatus = '';
  private last: JobProgress | undefined;
  private lastPrinted: string | undefined;

  constructor(private readonly intervalMs: number) {}

  upload(sent: number, total: number): void {
    const step = total > 0 ? Math.floor((sent / total) * 10) : 10;
    if (step === this.uploadStep) return;
    this.uploadStep = step;
    process.stderr.write(`${uploadLine(sent, total)}\n`);
  }

  uploadDone(): void {
    this.uploadStep = -1;
  }

  job(progress: JobProgress): void {
    const now = Date.now();
    this.rates.add({ at: now, rows: progress.rows, bytes: progress.bytes });
    this.last = progress;
    if (progress.status === this.lastStatus && now - this.lastLineAt < this.intervalMs) return;
    this.lastStatus = progress.status;
    this.lastLineAt = now;
    this.print(progress);
  }

  jobDone(): void {
    if (this.last) this.print(this.last);
  }

  note(text: string): void {
    process.stderr.write(`${text}\n`);
  }

  private print(progress: JobProgress): void {
    const line = jobProgressLine({ ...progress, ...this.rates.estimate(progress.totalBytes) });
    if (line === this.lastPrinted) return;
    this.lastPrinted = line;
    process.stderr.write(`${line}\n`);
  }
}

/** Says nothing (`--no-progress`); notes still go to stderr. */
class QuietProgress implements ProgressView {
  upload(): void {}
  uploadDone(): void {}
  job(): void {}
  jobDone(): void {}
  note(text: string): void {
    process.stderr.write(`${text}\n`);
  }
}

/** Bars on a terminal, lines otherwise, nothing with `--no-progress`. */
export function progressView(options: { progress: boolean; intervalMs?: number }): ProgressView {
  if (!options.progress) return new QuietProgress();
  return process.stderr.isTTY ? new TerminalProgress() : new LineProgress(options.intervalMs ?? 2000);
}
