/**
 * Where an STLS upgrade happens in a cleartext POP3 stream read from a packet trace (RFC 2595 §4). Once the
 * client has sent an "STLS" line, each direction turns to TLS where a line would begin with a TLS handshake
 * record (0x16): the client's ClientHello, the server's ServerHello. No POP3 line starts with that byte, so
 * this holds however the commands were pipelined and whatever the server answered before (a CAPA listing in
 * flight, a -ERR: then no handshake follows, and the client's next command ends the wait). Only line starts
 * are looked at, so a message body costs one indexOf per chunk. The engine follows STLS itself; this watch
 * only tells the trace reader where to hand bytes to TLS.
 */
import type { StreamDir } from './types.js';

const LF = 0x0a;
const HANDSHAKE = 0x16;
/** The longest line start that matters: "STLS\r". */
const KEEP = 5;

const upper = (b: number) => (b >= 0x61 && b <= 0x7a ? b - 0x20 : b);
const isStls = (first: readonly number[]) =>
  first.length >= 4 &&
  upper(first[0]!) === 0x53 &&
  upper(first[1]!) === 0x54 &&
  upper(first[2]!) === 0x4c &&
  upper(first[3]!) === 0x53 &&
  (first.length === 4 || first[4] === 0x0d || first[4] === 0x20);

interface Side {
  atLineStart: boolean;
  /** The first bytes of the line being read (c2s only: to see an STLS line). */
  start: number[];
  tls: boolean;
}

export class StlsWatch {
  private readonly sides: Record<StreamDir, Side> = {
    c2s: { atLineStart: true, start: [], tls: false },
    s2c: { atLineStart: true, start: [], tls: false },
  };
  /** The client sent STLS and nothing since: a handshake may begin. */
  private asked = false;

  /** True once either direction turned to TLS. */
  get upgraded(): boolean {
    return this.sides.c2s.tls || this.sides.s2c.tls;
  }

  /** True once `dir` turned to TLS: every later byte of it is TLS. */
  isTls(dir: StreamDir): boolean {
    return this.sides[dir].tls;
  }

  /**
   * Looks at bytes of one direction; returns how many of them, from the start, are cleartext: all of them,
   * fewer when TLS begins in this chunk, 0 once the direction is TLS.
   */
  cleartext(dir: StreamDir, bytes: Uint8Array): number {
    const side = this.sides[dir];
    if (side.tls) return 0;
    let pos = 0;
    while (pos < bytes.length) {
      if (side.atLineStart) {
        if (this.asked && bytes[pos] === HANDSHAKE) {
          side.tls = true;
          return pos;
        }
        side.atLineStart = false;
        side.start = [];
        // A new client command after STLS: STLS was refused (or never answered); no handshake comes.
        if (dir === 'c2s') this.asked = false;
      }
      const lf = bytes.indexOf(LF, pos);
      const stop = lf === -1 ? bytes.length : lf;
      if (dir === 'c2s')
        for (let i = pos; i < stop && side.start.length < KEEP; i++) side.start.push(bytes[i]!);
      if (lf === -1) return bytes.length;
      side.atLineStart = true;
      if (dir === 'c2s' && isStls(side.start)) this.asked = true;
      pos = lf + 1;
    }
    return pos;
  }
}
