/**
 * Line framing for one direction: collects bytes until LF, however the stream is chunked. CRLF is the POP3
 * line ending; a bare LF ends a line too (accepted and flagged), and a CR not followed by LF is counted as a
 * bare CR. Only the first MAX_KEPT_LINE octets of a line are kept; the rest is counted, so a peer that never
 * sends a line ending cannot grow memory without bound.
 */
import { MAX_KEPT_LINE } from './limits.js';

const LF = 0x0a;
const CR = 0x0d;

export interface Line {
  /** The kept content, without the line ending; at most MAX_KEPT_LINE octets. */
  readonly content: Buffer;
  /** All octets of the line on the wire, line ending included. */
  readonly octets: number;
  readonly ending: 'CRLF' | 'LF' | 'none';
  /** CRs inside the kept content that were not part of a CRLF. */
  readonly bareCR: number;
  /** True when the line was longer than what is kept. */
  readonly overflow: boolean;
}

export class LineBuffer {
  private parts: Buffer[] = [];
  private kept = 0;
  private octets = 0;
  private lastByte = -1;

  /** Octets of the current, unfinished line. */
  get pending(): number {
    return this.octets;
  }

  /** True once the unfinished line is longer than what is kept. */
  get overflowing(): boolean {
    return this.octets > MAX_KEPT_LINE;
  }

  /** The kept bytes of the unfinished line (a copy). */
  peek(): Buffer {
    return Buffer.concat(this.parts, this.kept);
  }

  /**
   * Takes bytes from `chunk` starting at `start` up to and including the next LF.
   * Returns the index just past the LF and the finished line, or `end: chunk.length` and no line.
   */
  push(chunk: Buffer, start: number): { end: number; line?: Line } {
    const lf = chunk.indexOf(LF, start);
    const stop = lf === -1 ? chunk.length : lf;
    this.append(chunk, start, stop);
    if (lf === -1) return { end: chunk.length };
    this.octets += 1;
    return { end: lf + 1, line: this.finish('LF') };
  }

  /** Ends the unfinished line at end of stream, if there is one. */
  flush(): Line | undefined {
    if (this.octets === 0) return undefined;
    return this.finish('none');
  }

  private append(chunk: Buffer, from: number, to: number): void {
    if (to <= from) return;
    const room = MAX_KEPT_LINE - this.kept;
    if (room > 0) {
      const take = Math.min(room, to - from);
      // Copy: the caller may reuse or keep the chunk, and a line is small.
      this.parts.push(Buffer.from(chunk.subarray(from, from + take)));
      this.kept += take;
    }
    this.octets += to - from;
    this.lastByte = chunk[to - 1]!;
  }

  private finish(terminator: 'LF' | 'none'): Line {
    let content = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.kept);
    const overflow = this.octets - (terminator === 'LF' ? 1 : 0) > MAX_KEPT_LINE;
    let ending: Line['ending'] = terminator;
    if (terminator === 'LF' && this.lastByte === CR) {
      ending = 'CRLF';
      if (!overflow) content = content.subarray(0, content.length - 1);
    }
    let bareCR = 0;
    for (let i = content.indexOf(CR); i !== -1; i = content.indexOf(CR, i + 1)) bareCR++;
    const line: Line = { content, octets: this.octets, ending, bareCR, overflow };
    this.parts = [];
    this.kept = 0;
    this.octets = 0;
    this.lastByte = -1;
    return line;
  }
}

/** Octets of a line's ending on the wire. */
export function endingLength(line: Line): number {
  return line.ending === 'CRLF' ? 2 : line.ending === 'LF' ? 1 : 0;
}
