/** Where an export too large for a response body goes: a file and a link to download it. */
export interface ExportFileStore {
  /** Streams the chunks into a new file and resolves with a time-limited download URL. */
  storeExport(owner: string, chunks: AsyncIterable<Buffer>): Promise<{ url: string; expiresInSeconds: number }>;
}

export type ExportDelivery = { kind: 'inline'; body: string } | { kind: 'link'; url: string; expiresInSeconds: number };

/**
 * Hands an export over the cheapest way that works: as the response body while it stays
 * within `inlineMaxBytes` (a Lambda response is capped at 6 MB), otherwise streamed into the
 * file store, the part already read first, so that no more than `inlineMaxBytes` is ever
 * held in memory. Throws what the file store throws.
 */
export async function deliverExport(
  chunks: AsyncIterable<string>,
  owner: string,
  options: { inlineMaxBytes: number; files: ExportFileStore },
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
  const stored = await options.files.storeExport(owner, resume(held, iterator));
  return { kind: 'link', ...stored };
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
