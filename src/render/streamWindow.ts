/**
 * A bounded window on one direction of a session's byte stream (the engine's masked data events), for the exact
 * bytes of each arrow (wireBytes.ts). It keeps copies of at most `cap` octets from the offset where the next
 * unanswered piece begins (`from`), and a reference to the latest chunk until the next one arrives: a
 * transaction is emitted right after the chunk holding its last byte, so when the window moves on to where the
 * next response begins, that response's first octets are in the window or in that chunk, even when they came
 * far beyond the previous response's head (pipelining behind a large body). Memory: `cap` plus one chunk.
 */

interface Piece {
  /** Stream offset of bytes[0]. */
  readonly start: number;
  readonly bytes: Buffer;
}

/** What a span of the stream looked like: its first octets (a contiguous prefix) and how many are left out. */
export interface Span {
  /** One character per octet (latin1). */
  readonly text: string;
  readonly omitted: number;
}

export class StreamWindow {
  /** Where the window begins: bytes before it are never asked for again. */
  private from = 0;
  /** Copies of the stream from `from` on, contiguous, at most `cap` octets. */
  private kept: Piece[] = [];
  private keptEnd = 0;
  /** The caller's latest chunk (not a copy), until the next data event of the session. */
  private latest: Piece | null = null;
  private received = 0;
  private afterLf = 0;

  constructor(private readonly cap: number) {}

  /** Stream offset just past the last LF received (where the last complete line ends). */
  get lineEnd(): number {
    return this.afterLf;
  }

  /** Octets copied and held (the latest chunk is the caller's and not counted). */
  get held(): number {
    return this.kept.reduce((n, p) => n + p.bytes.length, 0);
  }

  /** The next chunk of the stream. */
  push(bytes: Buffer): void {
    const start = this.received;
    this.received += bytes.length;
    const lf = bytes.lastIndexOf(0x0a);
    if (lf !== -1) this.afterLf = start + lf + 1;
    this.latest = null;
    const copied = this.extend({ start, bytes }, true);
    // Kept whole already (or a copy of all that may be needed): no reason to hold the caller's buffer.
    if (!copied) this.latest = { start, bytes };
  }

  /** The session went on (a chunk of the other direction): every event the latest chunk caused is out. */
  release(): void {
    this.latest = null;
  }

  /**
   * The octets [a, b) as far as they are known contiguously from a, at most `max` of them; the rest counted as
   * omitted. Null when the span is unknown (the engine's -1).
   */
  slice(a: number, b: number, max: number): Span | null {
    if (a < 0 || b < a) return null;
    const want = Math.min(b, a + max);
    const parts: Buffer[] = [];
    let at = a;
    for (const p of this.pieces()) {
      if (at >= want) break;
      const end = p.start + p.bytes.length;
      if (p.start > at || end <= at) continue;
      const to = Math.min(end, want);
      parts.push(p.bytes.subarray(at - p.start, to - p.start));
      at = to;
    }
    return { text: Buffer.concat(parts).toString('latin1'), omitted: b - a - (at - a) };
  }

  /** Nothing before `to` is asked for again: the window moves there, refilled from what it holds. */
  advance(to: number): void {
    if (to <= this.from) return;
    const old = this.pieces();
    this.from = to;
    this.kept = [];
    this.keptEnd = to;
    for (const p of old) this.extend(p, p === this.latest);
  }

  private pieces(): Piece[] {
    return this.latest ? [...this.kept, this.latest] : this.kept;
  }

  /**
   * Adds what of `p` continues the kept bytes inside the window: copied when it is the caller's buffer, a view
   * when it is a copy already. Returns true when all of `p` that lies at or after `from` is kept.
   */
  private extend(p: Piece, copy: boolean): boolean {
    const end = p.start + p.bytes.length;
    const limit = this.from + this.cap;
    const a = this.keptEnd;
    if (a < p.start) return false;
    const b = Math.min(end, limit);
    if (b > a) {
      const view = p.bytes.subarray(a - p.start, b - p.start);
      this.kept.push({ start: a, bytes: copy ? Buffer.from(view) : view });
      this.keptEnd = b;
    }
    return end <= limit;
  }
}
