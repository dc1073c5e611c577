import { randomUUID } from 'node:crypto';
import type { FileStore } from '../storage/ports.js';

/** How long the download link of a large export works. */
export const EXPORT_LINK_TTL_SECONDS = 15 * 60;

export type ExportDelivery = { kind: 'inline'; body: string } | { kind: 'link'; url: string; expiresInSeconds: number };

/** Where a large export goes: `exports/<owner>/...`, which the bucket's lifecycle rule deletes after a day. */
function exportKey(owner: string, now: Date, extension: string): string {
  return `exports/${encodeURIComponent(owner)}/${now.toISOString().replace(/[:.]/g, '-')}-${randomUUID()}.${extension}`;
}

/** How the file is served: its media type and download name (CSV when not said). */
export interface ExportFile {
  contentType: string;
  filename: string;
}

const CSV_FILE: ExportFile = { contentType: 'text/csv; charset=utf-8', filename: 'phonebook.csv' };

/**
 * Hands an export over the cheapest way that works: as the response body while it stays
 * within `inlineMaxBytes` (a Lambda response is capped at 6 MB), otherwise streamed into the
 * file store (a multipart upload; the part already read first), so that no more than
 * `inlineMaxBytes` is ever held in memory, and answered with a presigned download link.
 * Throws what the file store throws.
 */
export async function deliverExport(
  chunks: AsyncIterable<string>,
  owner: string,
  options: { inlineMaxBytes: number; files: FileStore; now?: Date; file?: ExportFile },
): Promise<ExportDelivery> {
  const iterator = chunks[Symbol.asyncIterator]();
  const held: Buffer[] = [];
  let size = 0;
  for (;;) {
    const next = await iterator.next();
    if (next.done) return { kind: 'inline', body: Buffer.concat(held, size).toString('utf8') };
    const bytes = Buffer.from(next.value, 'utf8');
    held.push(bytes);
    size += bytes.length;
    if (size > options.inlineMaxBytes) break;
  }
  const file = options.file ?? CSV_FILE;
  const key = exportKey(owner, options.now ?? new Date(), file.filename.split('.').pop() ?? 'csv');
  await options.files.write(key, resume(held, iterator), file.contentType);
  const url = await options.files.presignDownload(key, { expiresInSeconds: EXPORT_LINK_TTL_SECONDS, filename: file.filename });
  return { kind: 'link', url, expiresInSeconds: EXPORT_LINK_TTL_SECONDS };
}

async function* resume(first: Buffer[], rest: AsyncIterator<string>): AsyncIterable<Buffer> {
  // Handing each chunk over once lets the held part be collected as the upload proceeds.
  while (first.length > 0) yield first.shift() as Buffer;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield Buffer.from(next.value, 'utf8');
  }
}
