import type { ContactStore } from '../storage/ports.js';
import { type ApplyOptions, applyChanges, type ChangeOutcome, type ContactChange, LEFT_ALONE_CODES } from './apply-changes.js';
import type { ReportBuilder } from './report.js';

/** Where a row storage could not take goes: its number, the reason, and its cells. */
export type RejectedRowSink = (row: number, reason: string, cells: readonly string[] | undefined) => void;

/**
 * The writer stage: batches the row rules' changes, applies them with bounded concurrency (at
 * most `concurrency` batches in flight, so memory stays flat and the parser is paused by
 * back-pressure while storage catches up), and counts each row's storage outcome in the report.
 */
export class BatchWriter {
  private readonly inFlight = new Set<Promise<void>>();
  private batch: ContactChange[] = [];
  /** The batch's cells, row for row, kept only to report rows storage refuses. */
  private batchCells: Array<readonly string[]> = [];
  /** The line each row of the batch starts on, where that is not its row number (vCard). */
  private batchLines: Array<number | undefined> = [];

  constructor(
    private readonly store: ContactStore,
    private readonly owner: string,
    private readonly report: ReportBuilder,
    private readonly settings: { concurrency: number; apply: ApplyOptions; onRejectedRow: RejectedRowSink | undefined },
  ) {}

  /** Queues a change; true when the batch is full and `flushBatch` is due. */
  add(change: ContactChange, cells: readonly string[], line?: number): boolean {
    this.batch.push(change);
    this.batchLines.push(line);
    if (this.settings.onRejectedRow) this.batchCells.push(cells);
    return this.batch.length >= this.store.maxBatchSize;
  }

  /** Sends the batch, after waiting for a free slot when `concurrency` batches are in flight. */
  async flushBatch(): Promise<void> {
    if (this.batch.length === 0) return;
    const batch = this.batch;
    const cells = this.batchCells;
    const lines = this.batchLines;
    this.batch = [];
    this.batchCells = [];
    this.batchLines = [];
    while (this.inFlight.size >= this.settings.concurrency) await Promise.race(this.inFlight);
    const task = applyChanges(this.store, this.owner, batch, this.settings.apply).then((outcomes) => this.settle(outcomes, cells, lines));
    const tracked = task.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /** `outcomes` are the batch's, in its order (as applyChanges promises), and so are `cells`. */
  private settle(
    outcomes: readonly ChangeOutcome[],
    cells: ReadonlyArray<readonly string[]>,
    lines: ReadonlyArray<number | undefined>,
  ): void {
    outcomes.forEach((outcome, i) => {
      if (outcome.result === 'rejected' || outcome.result === 'failed') {
        // An unknown id or an update that leaves no name is the row's own fault: skipped.
        if (outcome.result === 'rejected' && outcome.code === LEFT_ALONE_CODES.exists)
          this.report.addLeftAlone(outcome.ref, outcome.reason, 'existing', lines[i]);
        else if (outcome.result === 'rejected' && outcome.code === LEFT_ALONE_CODES.unmatched)
          this.report.addLeftAlone(outcome.ref, outcome.reason, 'unmatched', lines[i]);
        else if (outcome.result === 'rejected') this.report.addSkipped(outcome.ref, outcome.reason, lines[i]);
        else this.report.addFailed(outcome.ref, outcome.reason, lines[i]);
        this.settings.onRejectedRow?.(outcome.ref, outcome.reason, cells[i]);
      } else {
        this.report.addApplied(outcome.result);
      }
    });
  }

  /** Sends what is queued and waits for every batch in flight. */
  async drain(): Promise<void> {
    await this.flushBatch();
    await Promise.all(this.inFlight);
  }
}
