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

/** Collects the bytes of one logical line, up to MAX_LINE_BYTES. */
class LineBuffer {
  private parts: Buffer[] = [];
  private length = 0;
  truncated = false;

  append(bytes: Buffer): void {
    if (this.truncated || bytes.length === 0) return;
    const room = MAX_LINE_BYTES - this.length;
    if (bytes.length > room) {
      this.truncated = true;
      bytes = bytes.subarray(0, room);
    }
    // A copy: the chunk the bytes come from is reused by some streams.
    this.parts.push(Buffer.from(bytes));
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
    return first.subarray(0, colon === -1 ? first.length : colon).toString('latin1');
  }
}

const QUOTED_PRINTABLE = /quoted-printable/i;

/**
 * Unfolded content lines of a vCard byte stream, in file order; `firstLine` numbers the first
 * physical line (a resumed read starts mid-file). Blank lines are dropped.
 */
export async function* contentLinesOf(source: AsyncIterable<Uint8Array>, firstLine = 1): AsyncIterable<ContentLine> {
  const logical = new LineBuffer();
  let logicalStart: { line: number; offset: number } | undefined;
  let logicalEnd = { offset: 0, nextLine: firstLine };
  let logicalIsQp = false;
  const physical = new LineBuffer();
  let physicalStart = 0;
  let lineNumber = firstLine;
  let offset = 0;
  // A CR was the last byte seen: the line ends there, or after an LF that follows it.
  let pendingCr = false;

  const emit = (): ContentLine | undefined => {
    if (!logicalStart) return undefined;
    const truncated = logical.truncated;
    const line: ContentLine = {
      line: logicalStart.line,
      offset: logicalStart.offset,
      endOffset: logicalEnd.offset,
      nextLine: logicalEnd.nextLine,
      bytes: logical.take(),
      truncated,
    };
    logicalStart = undefined;
    return line;
  };

  /** One physical line is complete (`end` is after its line break): fold it into the logical line or start a new one. */
  const endPhysical = (end: number): ContentLine | undefined => {
    const truncated = physical.truncated;
    const bytes = physical.take();
    const start = { line: lineNumber, offset: physicalStart };
    lineNumber += 1;
    physicalStart = end;
    let done: ContentLine | undefined;
    const first = bytes[0];
    if (logicalStart && logicalIsQp && logical.lastByte() === EQUALS) {
      // A quoted-printable soft line break: the next line goes on, whatever it starts with.
      logical.dropLastByte();
      logical.append(bytes);
    } else if (logicalStart && (first === SPACE || first === TAB)) {
      // A fold. The whitespace is kept when the value is quoted-printable (2.1 style) and
      // dropped otherwise; either way a lost space is all that is at stake.
      logical.append(logicalIsQp ? bytes : bytes.subarray(1));
    } else {
      done = emit();
      if (bytes.length === 0 && !truncated) {
        logicalEnd = { offset: end, nextLine: lineNumber };
        return done;
      }
      logicalStart = start;
      logical.append(bytes);
      logicalIsQp = QUOTED_PRINTABLE.test(logical.head());
    }
    if (truncated) logical.truncated = true;
    logicalEnd = { offset: end, nextLine: lineNumber };
    return done;
  };

  for await (const chunk of source) {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let from = 0;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i] as number;
      if (pendingCr) {
        pendingCr = false;
        const end = byte === LF ? offset + i + 1 : offset + i;
        const line = endPhysical(end);
        if (line) yield line;
        if (byte === LF) {
          from = i + 1;
          continue;
        }
        from = i;
      }
      if (byte === CR) {
        physical.append(bytes.subarray(from, i));
        pendingCr = true;
      } else if (byte === LF) {
        physical.append(bytes.subarray(from, i));
        const line = endPhysical(offset + i + 1);
        if (line) yield line;
        from = i + 1;
      }
    }
    if (!pendingCr && from < bytes.length) physical.append(bytes.subarray(from));
    offset += bytes.length;
  }
  if (pendingCr) {
    const line = endPhysical(offset);
    if (line) yield line;
  } else {
    const rest = physical.take();
    if (rest.length > 0) {
      physical.append(rest);
      const line = endPhysical(offset);
      if (line) yield line;
    }
  }
  const last = emit();
  if (last) yield last;
}
