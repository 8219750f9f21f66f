/**
 * The redacting tap of one direction: every received chunk is handed on as a `data` output with its original
 * boundaries and timestamp, but with secrets masked. A chunk that holds part of a line whose secrecy is not
 * yet known (a client line still missing its LF) stays held until the line ends, so no secret byte ever
 * leaves the engine. Chunks that need no change are handed on as they are, without a copy. The session puts
 * the held chunks of both directions in one queue (output.ts), so what leaves keeps the order of arrival.
 */
import { maskInPlace } from './redact.js';

export interface Held {
  readonly t: number;
  bytes: Buffer;
  /** Stream offset of bytes[0]. */
  readonly start: number;
  /** False while `bytes` is still the caller's buffer (copied before the first change). */
  owned: boolean;
}

export class RedactingTap {
  /** Held chunks in stream order; those before `head` have left (slots emptied). They leave in order. */
  private held: (Held | null)[] = [];
  private head = 0;
  /** Chunks before this index own their bytes (or have left). */
  private ownedTo = 0;
  /** Stream offset of the next byte to arrive. */
  offset = 0;

  /** Registers a newly received chunk; the parser then reports masks and what is undecided. */
  begin(chunk: Buffer, t: number): Held {
    const h: Held = { t, bytes: chunk, start: this.offset, owned: false };
    this.held.push(h);
    this.offset += chunk.length;
    return h;
  }

  /** Replaces the bytes at stream offset `at` with `replacement` (same length) in whatever is held. */
  mask(at: number, replacement: Uint8Array): void {
    this.each(at, at + replacement.length, (bytes, from, to, offset) =>
      bytes.set(replacement.subarray(from - at, to - at), offset),
    );
  }

  /** Masks the bytes from stream offset `from` to `to` in whatever is held, as a secret is masked. */
  maskRange(from: number, to: number): void {
    this.each(from, to, (bytes, a, b, offset) => maskInPlace(bytes, offset, offset + (b - a)));
  }

  /** True when `h` lies wholly before `undecidedFrom` and may leave. */
  decided(h: Held, undecidedFrom: number): boolean {
    return h.start + h.bytes.length <= undecidedFrom;
  }

  /** `h`, the oldest held chunk, leaves the tap (it is handed on); it is no longer masked. */
  release(h: Held): void {
    if (this.held[this.head] !== h) throw new Error('RedactingTap: chunks must leave in the order they came');
    this.held[this.head++] = null;
    if (this.head === this.held.length) {
      this.held = [];
      this.head = 0;
      this.ownedTo = 0;
    } else if (this.head > 1024) {
      this.held = this.held.slice(this.head);
      this.ownedTo = Math.max(0, this.ownedTo - this.head);
      this.head = 0;
    }
  }

  /** Anything still held outlives the caller's call: it must not alias the caller's buffer. */
  own(): void {
    for (let i = Math.max(this.head, this.ownedTo); i < this.held.length; i++) {
      const h = this.held[i]!;
      if (!h.owned) {
        h.bytes = Buffer.from(h.bytes);
        h.owned = true;
      }
    }
    this.ownedTo = this.held.length;
  }

  private each(
    at: number,
    end: number,
    apply: (bytes: Buffer, from: number, to: number, offset: number) => void,
  ): void {
    // Held chunks are in stream order: start at the first that ends after `at` (binary search).
    let lo = this.head;
    let hi = this.held.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const h = this.held[mid]!;
      if (h.start + h.bytes.length <= at) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.held.length; i++) {
      const h = this.held[i]!;
      if (h.start >= end) break;
      if (!h.owned) {
        h.bytes = Buffer.from(h.bytes);
        h.owned = true;
      }
      const from = Math.max(at, h.start);
      const to = Math.min(end, h.start + h.bytes.length);
      apply(h.bytes, from, to, from - h.start);
    }
  }
}
