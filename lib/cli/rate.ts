/** One reading of a job's progress, at `at` milliseconds. */
export interface ProgressSample {
  at: number;
  rows: number;
  bytes: number;
}

export interface ProgressEstimate {
  rowsPerSecond: number | undefined;
  /** Seconds left, from the byte rate (the job's percent is in bytes, rows are unknown ahead). */
  etaSeconds: number | undefined;
}

/**
 * Rows per second and time left over the last `windowMs` of samples: a job's rate changes
 * (a cold start, a re-import that only reads), so the estimate follows the recent pace, not
 * the average since the start. Undefined until two samples a moment apart exist.
 */
export class RateEstimator {
  private samples: ProgressSample[] = [];

  constructor(private readonly windowMs = 10_000) {}

  add(sample: ProgressSample): void {
    this.samples.push(sample);
    // Keep one sample older than the window, so the window is always fully covered.
    while (this.samples.length > 2 && (this.samples[1] as ProgressSample).at <= sample.at - this.windowMs) this.samples.shift();
  }

  estimate(totalBytes: number): ProgressEstimate {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.at - first.at < 1) return { rowsPerSecond: undefined, etaSeconds: undefined };
    const seconds = (last.at - first.at) / 1000;
    const rowsPerSecond = (last.rows - first.rows) / seconds;
    const bytesPerSecond = (last.bytes - first.bytes) / seconds;
    const left = Math.max(0, totalBytes - last.bytes);
    const etaSeconds = left === 0 ? 0 : bytesPerSecond > 0 ? left / bytesPerSecond : undefined;
    return { rowsPerSecond, etaSeconds };
  }
}
