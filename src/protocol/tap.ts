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
  private held: Held[] = [];
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

  /** `h` leaves the tap (it is handed on); it is no longer masked. */
  release(h: Held): void {
    const i = this.held.indexOf(h);
    if (i !== -1) this.held.splice(i, 1);
  }

  /** Anything still held outlives the caller's call: it must not alias the caller's buffer. */
  own(): void {
    for (const h of this.held) {
      if (!h.owned) {
        h.bytes = Buffer.from(h.bytes);
        h.owned = true;
      }
    }
  }

  private each(
    at: number,
    end: number,
    apply: (bytes: Buffer, from: number, to: number, offset: number) => void,
  ): void {
    for (const h of this.held) {
      const hEnd = h.start + h.bytes.length;
      if (hEnd <= at || h.start >= end) continue;
      if (!h.owned) {
        h.bytes = Buffer.from(h.bytes);
        h.owned = true;
      }
      const from = Math.max(at, h.start);
      const to = Math.min(end, hEnd);
      apply(h.bytes, from, to, from - h.start);
    }
  }
}
