/**
 * The first stage of reading a vCard file: bytes → unfolded content lines, each with the line
 * number and byte offset where it starts. It works on bytes, not text, so that offsets are
 * exact in the file (a paused import resumes there by byte range) and each value can later be
 * decoded in its own `CHARSET`.
 *
 * Unfolding follows every version at once: a physical line that starts with a space or tab
 * continues the previous one (RFC 6350 and 2426 drop that one whitespace character; vCard 2.1
 * keeps it, as its folds only happen at whitespace), and a quoted-printable value whose line
 * ends in `=` (a soft line break) continues on the next line even without leading whitespace,
 * as Outlook and Android write vCard 2.1.
 */

/** A logical line longer than this keeps only its first bytes (a photo, or a runaway value). */
export const MAX_LINE_BYTES = 1024 * 1024;

export interface ContentLine {
  /** Line number (1-based) of its first physical line. */
  line: number;
  /** Byte offset of its first physical line. */
  offset: number;
  /** Byte offset just after its last physical line's line break. */
  endOffset: number;
  /** Line number of the line after it. */
  nextLine: number;
  bytes: Buffer;
  /** True when the line was longer than MAX_LINE_BYTES and its end was dropped. */
  truncated: boolean;
}

const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;
const TAB = 0x09;
const EQUALS = 0x3d;
const COLON = 0x3a;

/** Collects the bytes of one line, up to MAX_LINE_BYTES. */
class LineBuffer {
  private parts: Buffer[] = [];
  private length = 0;
  truncated = false;

  /** `owned`: the bytes are this buffer's to keep; otherwise they are copied (a stream may reuse its chunks). */
  append(bytes: Buffer, owned: boolean): void {
    if (this.truncated || bytes.length === 0) return;
    const room = MAX_LINE_BYTES - this.length;
    if (bytes.length > room) {
      this.truncated = true;
      bytes = bytes.subarray(0, room);
    }
    this.parts.push(owned ? bytes : Buffer.from(bytes));
    this.length += bytes.length;
  }

  dropLastByte(): void {
    const last = this.parts.at(-1);
    if (!last || last.length === 0) return;
    this.parts[this.parts.length - 1] = last.subarray(0, last.length - 1);
    this.length -= 1;
  }

  lastByte(): number | undefined {
    const last = this.parts.at(-1);
    return last ? last[last.length - 1] : undefined;
  }

  get empty(): boolean {
    return this.length === 0;
  }

  take(): Buffer {
    const bytes = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.length);
    this.parts = [];
    this.length = 0;
    this.truncated = false;
    return bytes;
  }

  /** The bytes before the first colon (name and parameters), from the first part only. */
  head(): string {
    const first = this.parts[0];
    if (!first) return '';
    const colon = first.indexOf(COLON);
    return first.toString('latin1', 0, colon === -1 ? first.length : colon);
  }
}

const QUOTED_PRINTABLE = /quoted-printable/i;

/** Assembles physical lines into logical (unfolded) ones; see the module comment. */
class Unfolder {
  private readonly logical = new LineBuffer();
  private logicalStart: { line: number; offset: number } | undefined;
  private logicalEnd = { offset: 0, nextLine: 0 };
  private logicalIsQp = false;
  private readonly physical = new LineBuffer();
  private physicalStart = 0;

  constructor(private lineNumber: number) {
    this.logicalEnd.nextLine = lineNumber;
  }

  /** Bytes of the current physical line, before its line break. */
  add(bytes: Buffer): void {
    this.physical.append(bytes, false);
  }

  hasPending(): boolean {
    return !this.physical.empty;
  }

  /** The current logical line, if one is open. */
  emit(): ContentLine | undefined {
    if (!this.logicalStart) return undefined;
    const truncated = this.logical.truncated;
    const line: ContentLine = {
      line: this.logicalStart.line,
      offset: this.logicalStart.offset,
      endOffset: this.logicalEnd.offset,
      nextLine: this.logicalEnd.nextLine,
      bytes: this.logical.take(),
      truncated,
    };
    this.logicalStart = undefined;
    return line;
  }

  /** The current physical line ends (`end` is the offset after its line break); returns a completed logical line, if any. */
  endPhysical(end: number): ContentLine | undefined {
    const truncated = this.physical.truncated;
    const bytes = this.physical.take();
    const start = { line: this.lineNumber, offset: this.physicalStart };
    this.lineNumber += 1;
    this.physicalStart = end;
    let done: ContentLine | undefined;
    const first = bytes[0];
    if (this.logicalStart && this.logicalIsQp && this.logical.lastByte() === EQUALS) {
      // A quoted-printable soft line break: the next line goes on, whatever it starts with.
      this.logical.dropLastByte();
      this.logical.append(bytes, true);
    } else if (this.logicalStart && (first === SPACE || first === TAB)) {
      // A fold. The whitespace is kept when the value is quoted-printable (2.1 style) and
      // dropped otherwise; either way a lost space is all that is at stake.
      this.logical.append(this.logicalIsQp ? bytes : bytes.subarray(1), true);
    } else {
      done = this.emit();
      if (bytes.length === 0 && !truncated) {
        this.logicalEnd = { offset: end, nextLine: this.lineNumber };
        return done;
      }
      this.logicalStart = start;
      this.logical.append(bytes, true);
      this.logicalIsQp = QUOTED_PRINTABLE.test(this.logical.head());
    }
    if (truncated) this.logical.truncated = true;
    this.logicalEnd = { offset: end, nextLine: this.lineNumber };
    return done;
  }
}

/**
 * Unfolded content lines of a vCard byte stream, in file order, a chunk's worth at a time
 * (one await per chunk, not per line); `firstLine` numbers the first physical line (a
 * resumed read starts mid-file). Blank lines are dropped.
 */
export async function* contentLineBatchesOf(source: AsyncIterable<Uint8Array>, firstLine = 1): AsyncIterable<ContentLine[]> {
  const lines = new Unfolder(firstLine);
  let offset = 0;
  // A CR ended the last chunk: the line ends there, or after an LF that starts the next one.
  let pendingCr = false;
  for await (const chunk of source) {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const batch: ContentLine[] = [];
    const push = (line: ContentLine | undefined) => {
      if (line) batch.push(line);
    };
    let from = 0;
    if (pendingCr && bytes.length > 0) {
      pendingCr = false;
      const crlf = bytes[0] === LF;
      push(lines.endPhysical(offset + (crlf ? 1 : 0)));
      if (crlf) from = 1;
    }
    // Where the next LF and CR are; -1 once there is none left in the chunk.
    let nextLf = -2;
    let nextCr = -2;
    while (from < bytes.length) {
      if (nextLf !== -1 && nextLf < from) nextLf = bytes.indexOf(LF, from);
      if (nextCr !== -1 && nextCr < from) nextCr = bytes.indexOf(CR, from);
      const end = nextLf === -1 ? nextCr : nextCr === -1 ? nextLf : Math.min(nextLf, nextCr);
      if (end === -1) {
        lines.add(bytes.subarray(from));
        break;
      }
      lines.add(bytes.subarray(from, end));
      if (bytes[end] === LF) {
        push(lines.endPhysical(offset + end + 1));
        from = end + 1;
      } else if (end + 1 < bytes.length) {
        const breakLength = bytes[end + 1] === LF ? 2 : 1;
        push(lines.endPhysical(offset + end + breakLength));
        from = end + breakLength;
      } else {
        pendingCr = true;
        from = bytes.length;
      }
    }
    offset += bytes.length;
    if (batch.length > 0) yield batch;
  }
  const rest: ContentLine[] = [];
  if (pendingCr || lines.hasPending()) {
    const line = lines.endPhysical(offset);
    if (line) rest.push(line);
  }
  const last = lines.emit();
  if (last) rest.push(last);
  if (rest.length > 0) yield rest;
}

/** The lines of contentLineBatchesOf one by one. */
export async function* contentLinesOf(source: AsyncIterable<Uint8Array>, firstLine = 1): AsyncIterable<ContentLine> {
  for await (const batch of contentLineBatchesOf(source, firstLine)) yield* batch;
}
