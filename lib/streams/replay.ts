/**
 * The chunks already taken from a stream, then the rest of it: how a stage that looked at the
 * start of a file (its format, encoding or delimiter) hands the whole file on.
 */
export async function* replay<T>(first: readonly T[], rest: AsyncIterator<T>): AsyncIterable<T> {
  yield* first;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield next.value;
  }
}
