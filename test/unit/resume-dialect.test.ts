import { describe, expect, it } from 'vitest';
import { type ImportCheckpoint, runImport } from '../../lib/import/pipeline.js';
import { chunksOf, MemoryWriter } from '../support/memory-writer.js';

describe('pausing an import of another dialect', () => {
  it('resumes a semicolon file mid-way with the delimiter and mapping of its first run', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `Person ${i};Company, ${i}`);
    const bytes = Buffer.from(`Who;Firm\n${rows.join('\n')}\n`, 'utf8');
    const mapping = new Map([
      ['who', 'name'],
      ['firm', 'company'],
    ] as const);
    const writer = new MemoryWriter();
    let checkpoint: ImportCheckpoint | undefined;
    for (let run = 0; run < 10; run++) {
      let rowsThisRun = 0;
      const source = checkpoint ? bytes.subarray(checkpoint.byteOffset) : bytes;
      const outcome = await runImport(chunksOf(source, 64), {
        owner: 'o',
        writer,
        mapping,
        ...(checkpoint ? { resumeFrom: checkpoint } : {}),
        shouldPause: () => ++rowsThisRun >= 7,
      });
      if (outcome.status === 'completed') {
        expect(outcome.report).toMatchObject({ total_rows: 30, created_rows: 30, skipped_rows: 0 });
        break;
      }
      checkpoint = JSON.parse(JSON.stringify(outcome.checkpoint)) as ImportCheckpoint;
      expect(checkpoint.delimiter).toBe(';');
    }
    const stored = [...writer.stored.values()].map((c) => [c.name, c.company]);
    expect(stored).toHaveLength(30);
    expect(stored).toContainEqual(['Person 29', 'Company, 29']);
  });
});
