/**
 * How a stored message becomes POP3 wire bytes (RFC 1939 §3, §11): every line ends in CRLF (a stored bare LF
 * is sent as CRLF; a bare CR is sent unchanged, as Dovecot does), a line starting with '.' gets one more '.',
 * a last line without an ending gets CRLF, and ".CRLF" ends the body. The size LIST and STAT promise is the
 * byte count of exactly that body before stuffing, so the counter below applies the same rules: a client that
 * unstuffs RETR gets exactly `size` octets.
 *
 * Both work chunk by chunk on Buffers and never build a line, so a message of any size streams through.
 */

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
const DOT_BYTES = Buffer.from('.');
const CRLF_BYTES = Buffer.from('\r\n');
const LF_BYTES = Buffer.from('\n');
const TERMINATOR = Buffer.from('.\r\n');

/** Counts the octets a stored message has on the wire, unstuffed, with CRLF line endings (RFC 1939 §11). */
export class WireSizeCounter {
  private octets = 0;
  private last = -1;

  push(chunk: Buffer): void {
    this.octets += chunk.length;
    // A bare LF grows by its CR on the wire.
    for (let i = chunk.indexOf(LF); i !== -1; i = chunk.indexOf(LF, i + 1)) {
      const before = i > 0 ? chunk[i - 1] : this.last;
      if (before !== CR) this.octets++;
    }
    if (chunk.length > 0) this.last = chunk[chunk.length - 1]!;
  }

  /** The size so far, counting the CRLF the server adds when the message does not end in a line ending. */
  get size(): number {
    return this.last === -1 || this.last === LF ? this.octets : this.octets + 2;
  }
}

/** The wire size of a whole stored message. */
export function wireSize(message: Buffer): number {
  const counter = new WireSizeCounter();
  counter.push(message);
  return counter.size;
}

/**
 * Turns a stored message into the stuffed body of a RETR or TOP reply. With `bodyLines` it stops, as TOP
 * must (RFC 1939 §7), after the headers, the blank line and at most that many body lines.
 */
export class DotStuffer {
  private atLineStart = true;
  private lineLength = 0;
  private last = LF;
  private inHeaders = true;
  private bodyLinesSent = 0;
  private finished = false;

  constructor(private readonly bodyLines?: number) {}

  /** True once TOP has sent all it may; further input is ignored. */
  get done(): boolean {
    return this.finished;
  }

  /** Wire bytes for the next chunk of the stored message. */
  push(chunk: Buffer): Buffer {
    const out: Buffer[] = [];
    let i = 0;
    while (i < chunk.length && !this.finished) {
      if (this.atLineStart) {
        if (chunk[i] === DOT) out.push(DOT_BYTES);
        this.atLineStart = false;
        this.lineLength = 0;
      }
      const lf = chunk.indexOf(LF, i);
      const stop = lf === -1 ? chunk.length : lf;
      if (stop > i) {
        out.push(chunk.subarray(i, stop));
        this.lineLength += stop - i;
        this.last = chunk[stop - 1]!;
      }
      if (lf === -1) break;
      out.push(this.last === CR ? LF_BYTES : CRLF_BYTES);
      this.endLine();
      i = lf + 1;
    }
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  /** The bytes that close the body: a CRLF for an unterminated last line, then ".CRLF". */
  end(): Buffer {
    return this.atLineStart || this.finished ? TERMINATOR : Buffer.concat([CRLF_BYTES, TERMINATOR]);
  }

  private endLine(): void {
    // The line just ended is empty when it held nothing, or only the CR of its CRLF.
    const empty = this.lineLength === 0 || (this.lineLength === 1 && this.last === CR);
    this.atLineStart = true;
    this.last = LF;
    if (this.bodyLines === undefined) return;
    if (this.inHeaders) {
      if (!empty) return;
      this.inHeaders = false;
      if (this.bodyLines === 0) this.finished = true;
      return;
    }
    this.bodyLinesSent++;
    if (this.bodyLinesSent >= this.bodyLines) this.finished = true;
  }
}

/** The stuffed, terminated wire form of a stored message, read from `source` one chunk at a time. */
export async function* stuffedBody(
  source: AsyncIterable<Buffer>,
  bodyLines?: number,
): AsyncGenerator<Buffer> {
  const stuffer = new DotStuffer(bodyLines);
  // Leaving the loop early (TOP done, or the consumer stopped) closes the source through its return().
  for await (const chunk of source) {
    const out = stuffer.push(chunk);
    if (out.length > 0) yield out;
    if (stuffer.done) break;
  }
  yield stuffer.end();
}
