/**
 * Line assembly of the server's bytes for display: each line is handed on once its LF arrives, with its bytes
 * (line end included, for the engine) and its text made safe for a terminal. Sans-IO, chunk boundaries do not
 * matter, and a line longer than MAX_SERVER_LINE is handed on in pieces so memory stays bounded.
 */
import { MAX_SERVER_LINE } from './limits.js';

const LF = 0x0a;
const CR = 0x0d;

export interface ServerLine {
  /** The bytes as received, line end included (a piece of an over-long line has none). */
  readonly bytes: Buffer;
  /** The line without its line end, decoded as UTF-8, control characters shown as escapes. */
  readonly text: string;
  /** False for a piece of a line longer than MAX_SERVER_LINE (the rest follows). */
  readonly complete: boolean;
}

/**
 * Control characters (C0 but TAB, DEL and C1) shown as `\xNN`, `\r` and the like: a server must not be able to
 * move the cursor, change colours or retitle the terminal of the person debugging it.
 */
export function printable(text: string): string {
  return text.replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f]/g, (c) => {
    if (c === '\r') return '\\r';
    if (c === '\n') return '\\n';
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

export class ServerLines {
  private held: Buffer[] = [];
  private heldBytes = 0;

  constructor(private readonly maxLine = MAX_SERVER_LINE) {}

  /** Takes a chunk; returns the lines it completed, in order. */
  push(chunk: Uint8Array): ServerLine[] {
    const out: ServerLine[] = [];
    const data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    let from = 0;
    while (from < data.length) {
      const lf = data.indexOf(LF, from);
      const end = lf === -1 ? data.length : lf + 1;
      const room = this.maxLine - this.heldBytes;
      if (end - from > room) {
        // The line is longer than may be held: show what there is as a piece.
        this.hold(data.subarray(from, from + room));
        out.push(this.take(false));
        from += room;
        continue;
      }
      this.hold(data.subarray(from, end));
      from = end;
      if (lf !== -1) out.push(this.take(true));
    }
    return out;
  }

  /** The bytes of an unfinished line, handed on when the connection ends (null when there are none). */
  flush(): ServerLine | null {
    return this.heldBytes === 0 ? null : this.take(false);
  }

  /** True while part of a line is held (the driver must not start TLS in the middle of one). */
  get pending(): boolean {
    return this.heldBytes > 0;
  }

  private hold(part: Buffer): void {
    if (part.length === 0) return;
    // Copied: the caller's buffer may be reused once push returns.
    this.held.push(Buffer.from(part));
    this.heldBytes += part.length;
  }

  private take(complete: boolean): ServerLine {
    const bytes = Buffer.concat(this.held);
    this.held = [];
    this.heldBytes = 0;
    let end = bytes.length;
    if (complete) {
      end--; // the LF
      if (end > 0 && bytes[end - 1] === CR) end--;
    }
    return { bytes, text: printable(bytes.subarray(0, end).toString('utf8')), complete };
  }
}
