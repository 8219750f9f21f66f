/**
 * The redacting tap of one direction: it hands every received chunk on as a `data` output with its original
 * boundaries and timestamp, but with secrets masked. A chunk that holds part of a line whose secrecy is not
 * yet known (a client line still missing its LF) is held back until the line ends, so no secret byte ever
 * leaves the engine. Chunks that need no change are handed on as they are, without a copy.
 */

export interface TapChunk {
  readonly t: number;
  readonly bytes: Buffer;
}

interface Held {
  t: number;
  bytes: Buffer;
  /** Stream offset of bytes[0]. */
  start: number;
  /** False while `bytes` is still the caller's buffer (copied before the first change). */
  owned: boolean;
}

export class RedactingTap {
  private held: Held[] = [];
  /** Stream offset of the next byte to arrive. */
  offset = 0;

  /** Registers a newly received chunk; the parser then reports masks and what is undecided. */
  begin(chunk: Buffer, t: number): void {
    this.held.push({ t, bytes: chunk, start: this.offset, owned: false });
    this.offset += chunk.length;
  }

  /** Replaces the bytes at stream offset `at` with `replacement` (same length) in whatever is held. */
  mask(at: number, replacement: Uint8Array): void {
    const end = at + replacement.length;
    for (const h of this.held) {
      const hEnd = h.start + h.bytes.length;
      if (hEnd <= at || h.start >= end) continue;
      if (!h.owned) {
        h.bytes = Buffer.from(h.bytes);
        h.owned = true;
      }
      const from = Math.max(at, h.start);
      const to = Math.min(end, hEnd);
      h.bytes.set(replacement.subarray(from - at, to - at), from - h.start);
    }
  }

  /** The byte at stream offset `at`, if it is still held (-1 otherwise). */
  byteAt(at: number): number {
    for (const h of this.held)
      if (at >= h.start && at < h.start + h.bytes.length) return h.bytes[at - h.start]!;
    return -1;
  }

  /** Releases every held chunk that lies wholly before `undecidedFrom` (Infinity: release all). */
  release(undecidedFrom: number): TapChunk[] {
    let n = 0;
    while (n < this.held.length && this.held[n]!.start + this.held[n]!.bytes.length <= undecidedFrom) n++;
    const out = this.held.splice(0, n).map((h) => ({ t: h.t, bytes: h.bytes }));
    for (const h of this.held) {
      // Anything still held outlives this call: it must not alias the caller's buffer.
      if (!h.owned) {
        h.bytes = Buffer.from(h.bytes);
        h.owned = true;
      }
    }
    return out;
  }
}
