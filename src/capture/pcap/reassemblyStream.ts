/**
 * One direction of a TCP connection: sequence numbers in, the byte stream out in order. The in-order segment
 * (the common case) is handed on as is, without a copy; out-of-order data is copied into a short sorted list
 * of pieces until the hole before it fills or is declared a gap.
 *
 * Positions: `nextSeq` is the 32-bit sequence number of the next byte to deliver and `delivered` the same
 * point as a stream offset (a plain number, so a stream past 4 GiB is fine). A segment's offset is
 * `delivered + signed32(seq - nextSeq)`: serial arithmetic (RFC 1982), so wrap-around needs no special case.
 */
import { MAX_ACK_AHEAD, MAX_HELD_PIECES_PER_DIRECTION, RECHECK_SEGMENTS } from './limits.js';
import type { ConnectionId, StreamDir, StreamEvent } from './types.js';

/** Where a direction's events go, and the held-bytes budget all connections share. */
export interface StreamSink {
  emit(event: StreamEvent): void;
  /** Bytes held by every direction of every connection. */
  heldTotal: number;
  readonly maxHeldTotal: number;
}

/** A held range: bytes (a copy), or null for bytes the snap length cut off (a gap when reached). */
interface Piece {
  off: number;
  end: number;
  bytes: Uint8Array | null;
}

export const WHY_SNAPLEN = "cut off by the capture's snap length";
export const WHY_ACKED = 'acknowledged by the peer but not captured';
export const WHY_HELD = 'not captured (held out-of-order data reached its limit)';

export class DirStream {
  started = false;
  finished = false;
  nextSeq = 0;
  delivered = 0;
  private readonly held: Piece[] = [];
  private heldBytes = 0;
  /** Differing octets seen while handling the current segment (one conflict event per segment). */
  private conflicts = 0;
  // The last delivered segments, by reference, to compare retransmissions with (a ring).
  private readonly recentOff = new Float64Array(RECHECK_SEGMENTS);
  private readonly recentBytes: (Uint8Array | null)[] = new Array(RECHECK_SEGMENTS).fill(null);
  private recentPos = 0;
  private recentCount = 0;

  constructor(
    private readonly conn: ConnectionId,
    private readonly dir: StreamDir,
    private readonly sink: StreamSink,
    private readonly maxHeld: number,
  ) {}

  start(seq: number): void {
    this.started = true;
    this.nextSeq = seq >>> 0;
    this.delivered = 0;
  }

  /** A segment's payload at `seq`: `wireLength` octets were sent, `payload` holds those captured. */
  data(seq: number, payload: Uint8Array, wireLength: number, t: number): void {
    if (this.finished || wireLength === 0) return;
    const d = (seq - this.nextSeq) | 0;
    if (d === 0 && this.held.length === 0 && payload.length === wireLength) {
      this.deliver(payload, t);
      return;
    }
    this.slow(this.delivered + d, payload, wireLength, t);
  }

  /** The peer acknowledged up to `ack`: what it received and the capture did not is a gap, now. */
  ack(ack: number, t: number): void {
    if (!this.started || this.finished) return;
    const d = (ack - this.nextSeq) | 0;
    if (d < 0) return;
    this.forgetRecent();
    if (d === 0 || d > MAX_ACK_AHEAD) return;
    this.flush(t, WHY_ACKED, this.delivered + d, false);
    this.drain(t);
  }

  /** A FIN at `seq`: every hole before it is a gap, data after it is ignored. */
  fin(seq: number, t: number, why: string): void {
    if (this.finished) return;
    if (!this.started) this.start(seq);
    const d = (seq - this.nextSeq) | 0;
    if (d > 0) this.flush(t, why, d <= MAX_ACK_AHEAD ? this.delivered + d : undefined, true);
    this.finished = true;
    this.nextSeq = (seq + 1) >>> 0;
    this.release();
  }

  /** The connection ends (RST, capture end): deliver what is held, holes between pieces as gaps. */
  flushAll(t: number, why: string): void {
    this.flush(t, why, undefined, false);
  }

  /** Frees what the direction holds (the connection closed). */
  release(): void {
    this.sink.heldTotal -= this.heldBytes;
    this.heldBytes = 0;
    this.held.length = 0;
    this.forgetRecent();
  }

  private deliver(bytes: Uint8Array, t: number): void {
    this.sink.emit({ type: 'data', conn: this.conn, dir: this.dir, t, bytes });
    if (RECHECK_SEGMENTS > 0) {
      this.recentOff[this.recentPos] = this.delivered;
      this.recentBytes[this.recentPos] = bytes;
      this.recentPos = (this.recentPos + 1) % RECHECK_SEGMENTS;
      if (this.recentCount < RECHECK_SEGMENTS) this.recentCount++;
    }
    this.advance(bytes.length);
  }

  private gap(octets: number, t: number, why: string): void {
    this.sink.emit({ type: 'gap', conn: this.conn, dir: this.dir, t, octets, why });
    this.advance(octets);
  }

  private advance(octets: number): void {
    this.delivered += octets;
    this.nextSeq = (this.nextSeq + octets) >>> 0;
  }

  private forgetRecent(): void {
    if (this.recentCount === 0) return;
    this.recentBytes.fill(null);
    this.recentCount = 0;
    this.recentPos = 0; // entries are then 0..count-1 until the ring wraps (compareRecent reads those)
  }

  private slow(off: number, payload: Uint8Array, wireLength: number, t: number): void {
    const capturedEnd = off + payload.length;
    const wireEnd = off + wireLength;
    let s = off;
    if (s < this.delivered) {
      // Retransmitted or overlapping bytes already delivered: compare with what is still at hand, then drop.
      const upto = Math.min(capturedEnd, this.delivered);
      if (upto > s) this.compareRecent(s, payload.subarray(0, upto - off));
      s = this.delivered;
    }
    if (capturedEnd > s) this.place(s, payload.subarray(s - off), capturedEnd - s, t);
    const missingFrom = Math.max(capturedEnd, this.delivered);
    if (wireEnd > missingFrom) this.place(missingFrom, null, wireEnd - missingFrom, t);
    if (this.conflicts > 0) {
      this.sink.emit({ type: 'conflict', conn: this.conn, dir: this.dir, t, octets: this.conflicts });
      this.conflicts = 0;
    }
    this.drain(t);
    this.enforceLimits(t);
  }

  /** Puts [s, s+length) (s ≥ delivered) in the stream: delivered now where it can be, held otherwise. */
  private place(s: number, bytes: Uint8Array | null, length: number, t: number): void {
    const held = this.held;
    const e = s + length;
    let cur = s;
    if (cur === this.delivered) {
      const stop = held.length > 0 ? Math.min(e, held[0].off) : e;
      if (stop > cur) {
        if (bytes) this.deliver(stop === e ? bytes : bytes.subarray(0, stop - s), t);
        else this.gap(stop - cur, t, WHY_SNAPLEN);
        cur = stop;
      }
    }
    let i = this.firstEndingAfter(cur);
    while (cur < e) {
      const p = held[i];
      if (p === undefined || p.off >= e) {
        this.hold(i, cur, e, bytes, s);
        return;
      }
      if (p.off > cur) {
        this.hold(i, cur, p.off, bytes, s);
        i++;
        cur = p.off;
      }
      const overlapEnd = Math.min(e, p.end);
      if (bytes && p.bytes)
        this.conflicts += differing(bytes, cur - s, p.bytes, cur - p.off, overlapEnd - cur);
      cur = overlapEnd;
      i++;
    }
  }

  private hold(index: number, from: number, to: number, bytes: Uint8Array | null, bytesAt: number): void {
    const copy = bytes ? bytes.slice(from - bytesAt, to - bytesAt) : null;
    this.held.splice(index, 0, { off: from, end: to, bytes: copy });
    if (copy) {
      this.heldBytes += copy.length;
      this.sink.heldTotal += copy.length;
    }
  }

  /** Index of the first held piece ending after `off` (pieces are sorted and disjoint). */
  private firstEndingAfter(off: number): number {
    const held = this.held;
    let lo = 0;
    let hi = held.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (held[mid].end <= off) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Delivers the held pieces that now continue the stream. */
  private drain(t: number): void {
    const held = this.held;
    while (held.length > 0 && held[0].off <= this.delivered) this.takeFirst(t, undefined);
  }

  /** Takes the first held piece out and delivers it (from `delivered` on; up to `cut` if given). */
  private takeFirst(t: number, cut: number | undefined): void {
    const p = this.held.shift()!;
    if (p.bytes) {
      this.heldBytes -= p.bytes.length;
      this.sink.heldTotal -= p.bytes.length;
    }
    const from = Math.max(p.off, this.delivered);
    const to = cut === undefined ? p.end : Math.min(p.end, cut);
    if (to <= from) return;
    if (p.bytes) this.deliver(p.bytes.subarray(from - p.off, to - p.off), t);
    else this.gap(to - from, t, WHY_SNAPLEN);
  }

  /**
   * Declares the holes before `upTo` (or before the last held piece) gaps, delivering the held pieces
   * between them; `cut` drops what lies past `upTo` (data after a FIN).
   */
  private flush(t: number, why: string, upTo: number | undefined, cut: boolean): void {
    const held = this.held;
    while (held.length > 0 && (upTo === undefined || held[0].off < upTo)) {
      if (held[0].off > this.delivered) this.gap(held[0].off - this.delivered, t, why);
      this.takeFirst(t, cut ? upTo : undefined);
    }
    if (upTo !== undefined && upTo > this.delivered) this.gap(upTo - this.delivered, t, why);
  }

  /** Bounded memory: over a limit, the first hole is a gap and what follows it is delivered. */
  private enforceLimits(t: number): void {
    const held = this.held;
    const sink = this.sink;
    while (
      held.length > 0 &&
      (this.heldBytes > this.maxHeld ||
        held.length > MAX_HELD_PIECES_PER_DIRECTION ||
        sink.heldTotal > sink.maxHeldTotal)
    ) {
      this.gap(held[0].off - this.delivered, t, WHY_HELD);
      this.drain(t);
    }
  }

  /** Compares bytes at stream offset `off` (all before `delivered`) with the recent delivered segments. */
  private compareRecent(off: number, bytes: Uint8Array): void {
    const end = off + bytes.length;
    for (let k = 0; k < this.recentCount; k++) {
      const seen = this.recentBytes[k]!;
      const seenOff = this.recentOff[k];
      const from = Math.max(off, seenOff);
      const to = Math.min(end, seenOff + seen.length);
      if (to > from) this.conflicts += differing(bytes, from - off, seen, from - seenOff, to - from);
    }
  }
}

/** How many of `length` octets differ between a[ai...] and b[bi...]. */
function differing(a: Uint8Array, ai: number, b: Uint8Array, bi: number, length: number): number {
  let n = 0;
  for (let k = 0; k < length; k++) if (a[ai + k] !== b[bi + k]) n++;
  return n;
}
