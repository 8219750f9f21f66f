/**
 * Where an STLS upgrade happens in a cleartext POP3 stream read from a packet trace: after the client's
 * "STLS" line, the server's next status line; if it is +OK, every later byte of both directions is TLS
 * (RFC 2595 §4). Only line starts are looked at (a few bytes each), so a message body costs one indexOf per
 * chunk. The engine follows STLS itself; this watch only tells the trace reader where to hand bytes to TLS.
 */
import type { StreamDir } from './types.js';

const LF = 0x0a;
/** The longest line start that matters: "STLS\r" and "+OK". */
const KEEP = 6;

class LineStarts {
  private start: number[] = [];
  private atLineStart = true;

  /** Calls `line` with the first bytes of every line that ends in `bytes`, and where in `bytes` it ends. */
  each(bytes: Uint8Array, from: number, line: (first: readonly number[], end: number) => boolean): number {
    let pos = from;
    while (pos < bytes.length) {
      if (this.atLineStart) {
        this.start = [];
        this.atLineStart = false;
      }
      const lf = bytes.indexOf(LF, pos);
      const stop = lf === -1 ? bytes.length : lf;
      for (let i = pos; i < stop && this.start.length < KEEP; i++) this.start.push(bytes[i]!);
      if (lf === -1) return bytes.length;
      this.atLineStart = true;
      pos = lf + 1;
      if (line(this.start, pos)) return pos;
    }
    return pos;
  }
}

const upper = (b: number) => (b >= 0x61 && b <= 0x7a ? b - 0x20 : b);
const isStls = (first: readonly number[]) =>
  first.length >= 4 &&
  upper(first[0]!) === 0x53 &&
  upper(first[1]!) === 0x54 &&
  upper(first[2]!) === 0x4c &&
  upper(first[3]!) === 0x53 &&
  (first.length === 4 || first[4] === 0x0d || first[4] === 0x20);
const isPlus = (first: readonly number[]) => first[0] === 0x2b;
const isStatus = (first: readonly number[]) => first[0] === 0x2b || first[0] === 0x2d;

export class StlsWatch {
  private readonly lines = { c2s: new LineStarts(), s2c: new LineStarts() };
  private asked = false;
  /** True once the server said +OK to STLS: every later byte is TLS. */
  upgraded = false;

  /**
   * Looks at cleartext bytes of one direction; returns how many of them are still cleartext (all of them,
   * unless this chunk holds the server's +OK to STLS: then the bytes after that line are TLS).
   */
  cleartext(dir: StreamDir, bytes: Uint8Array): number {
    if (this.upgraded) return 0;
    if (dir === 'c2s') {
      this.lines.c2s.each(bytes, 0, (first) => {
        if (isStls(first)) this.asked = true;
        return false;
      });
      return bytes.length;
    }
    if (!this.asked) {
      this.lines.s2c.each(bytes, 0, () => false);
      return bytes.length;
    }
    return this.lines.s2c.each(bytes, 0, (first) => {
      if (!isStatus(first)) return false;
      this.asked = false;
      if (!isPlus(first)) return false;
      this.upgraded = true;
      return true;
    });
  }
}
