import type { ContactWrite, ContactWriteFailure, ContactWriter } from '../../lib/storage/ports.js';

/**
 * A ContactWriter port that keeps contacts in memory, for unit tests of the pipeline (the
 * DynamoDB adapter is covered by integration tests against the real local server).
 * `failRows` makes chosen rows fail as storage would after its retries.
 */
export class MemoryWriter implements ContactWriter {
  readonly writes: ContactWrite[] = [];
  readonly batchSizes: number[] = [];
  inFlight = 0;
  maxInFlight = 0;

  constructor(
    readonly maxBatchSize = 25,
    private readonly failRows: ReadonlySet<number> = new Set(),
    private readonly delayMs = 0,
  ) {}

  async writeContacts(batch: readonly ContactWrite[]): Promise<ContactWriteFailure[]> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.batchSizes.push(batch.length);
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    this.inFlight--;
    const failures: ContactWriteFailure[] = [];
    for (const write of batch) {
      if (this.failRows.has(write.rowNumber)) failures.push({ rowNumber: write.rowNumber, reason: 'storage error: test failure' });
      else this.writes.push(write);
    }
    return failures;
  }

  names(): string[] {
    return this.writes.map((w) => w.contact.name);
  }
}

export async function* chunksOf(text: string | Buffer, chunkSize = Number.POSITIVE_INFINITY): AsyncIterable<Uint8Array> {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  if (!Number.isFinite(chunkSize)) {
    yield bytes;
    return;
  }
  for (let offset = 0; offset < bytes.length; offset += chunkSize) yield bytes.subarray(offset, offset + chunkSize);
}
