/**
 * The multi-line body of RETR and TOP (RFC 1939 §3), scanned without building lines: it finds the LFs with
 * Buffer.indexOf, looks only at the bytes around each, and counts octets and lines of the unstuffed body with
 * CRLF endings (the size LIST and STAT promise, §11). It keeps a short preview, never the body, so a 1 GiB
 * message costs a few kilobytes.
 */
import { createHash, type Hash } from 'node:crypto';
import { BODY_PREVIEW_OCTETS } from './limits.js';

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;

export interface BodyStats {
  /** Octets of the unstuffed body, every line counted with a 2-octet CRLF, terminator excluded. */
  octets: number;
  /** Lines in the body, terminator excluded. */
  lines: number;
  /** Octets on the wire, stuffing and terminator included. */
  wireOctets: number;
  /** Lines that ended in LF without CR. */
  bareLF: number;
  /** Lines that started with a single dot followed by something else: legal, but a sign of missing stuffing. */
  unstuffedDots: number;
  /** The number of header lines before the first empty line, or -1 while none was seen. */
  headerLines: number;
  /** The first bytes on the wire, stuffing included. */
  preview: Buffer;
  /** True once the terminating "." line was seen. */
  complete: boolean;
  /** How the body stopped short, when it did (for the truncation report). */
  tail: string;
  /** SHA-256 of the body on the wire (terminator included), when asked for: compares bodies without showing them. */
  digest?: string;
}

export class BodyScanner {
  readonly stats: BodyStats;
  private previewParts: Buffer[] = [];
  private previewLength = 0;
  // The current line, tracked by its length and the few bytes that matter.
  private lineLength = 0;
  private first = -1;
  private second = -1;
  private last = -1;
  private hash: Hash | null;

  constructor(digest = false) {
    this.hash = digest ? createHash('sha256') : null;
    this.stats = {
      octets: 0,
      lines: 0,
      wireOctets: 0,
      bareLF: 0,
      unstuffedDots: 0,
      headerLines: -1,
      preview: Buffer.alloc(0),
      complete: false,
      tail: '',
    };
  }

  /**
   * Scans `chunk` from `start`. Returns the index just past the terminator when the body ends inside the
   * chunk (the rest belongs to the next response), or chunk.length when more is to come.
   */
  push(chunk: Buffer, start: number): number {
    let pos = start;
    while (pos < chunk.length) {
      // Lines wholly inside the chunk take the fast path; a line begun in an earlier chunk, or still
      // unfinished at the end of this one, is tracked through take() and endLine().
      if (this.lineLength === 0) pos = this.wholeLines(chunk, pos);
      if (this.stats.complete) return this.endAt(chunk, start, pos);
      if (pos >= chunk.length) break;
      const lf = chunk.indexOf(LF, pos);
      this.take(chunk, pos, lf === -1 ? chunk.length : lf);
      if (lf === -1) break;
      pos = lf + 1;
      if (this.endLine()) return this.endAt(chunk, start, pos);
    }
    this.hash?.update(chunk.subarray(start));
    this.keepPreview(chunk, start, chunk.length);
    this.stats.wireOctets += chunk.length - start;
    return chunk.length;
  }

  /** The terminator ended at `pos`: accounts for the chunk up to there and settles preview and digest. */
  private endAt(chunk: Buffer, start: number, pos: number): number {
    this.keepPreview(chunk, start, pos);
    this.stats.wireOctets += pos - start;
    this.finishPreview();
    if (this.hash) {
      this.hash.update(chunk.subarray(start, pos));
      this.stats.digest = this.hash.digest('hex');
    }
    return pos;
  }

  /**
   * Accounts for every complete line from `pos` (the start of a line) with the stats in locals, which is what
   * keeps the body path near memchr speed. Stops before an unfinished line, or just past the terminator
   * (setting `complete`). Returns where it stopped.
   */
  private wholeLines(chunk: Buffer, pos: number): number {
    const s = this.stats;
    let { lines, octets, bareLF, unstuffedDots, headerLines } = s;
    let complete = false;
    for (let lf = chunk.indexOf(LF, pos); lf !== -1; lf = chunk.indexOf(LF, pos)) {
      const crlf = lf > pos && chunk[lf - 1] === CR;
      const content = crlf ? lf - pos - 1 : lf - pos;
      if (!crlf) bareLF++;
      let stuffed = 0;
      if (content >= 1 && chunk[pos] === DOT) {
        if (content === 1) {
          pos = lf + 1;
          complete = true;
          break;
        }
        stuffed = 1;
        if (chunk[pos + 1] !== DOT) unstuffedDots++;
      }
      if (content === 0 && headerLines === -1) headerLines = lines;
      lines++;
      octets += content - stuffed + 2;
      pos = lf + 1;
    }
    s.lines = lines;
    s.octets = octets;
    s.bareLF = bareLF;
    s.unstuffedDots = unstuffedDots;
    s.headerLines = headerLines;
    s.complete = complete;
    return pos;
  }

  /**
   * `octets` of the body were never captured (a packet trace lost them): they count as body octets (their
   * lines cannot be counted), and no digest can be made of a body with a hole in it. The line being scanned
   * goes on: the bytes after the hole are taken as its continuation, so a terminator is still found.
   */
  lost(octets: number): void {
    this.stats.octets += octets;
    this.stats.wireOctets += octets;
    this.hash = null;
  }

  /** Called when the stream ends before the terminator. */
  close(): void {
    this.finishPreview();
    if (this.hash) this.stats.digest = this.hash.digest('hex');
    if (this.lineLength === 2 && this.first === DOT && this.second === CR)
      this.stats.tail = 'ended with ".\\r" and no LF';
    else if (this.lineLength > 0) this.stats.tail = `ended inside a line of ${this.lineLength} octets`;
    else this.stats.tail = 'ended after a complete line, without the "." terminator';
  }

  private take(chunk: Buffer, from: number, to: number): void {
    if (to <= from) return;
    if (this.lineLength === 0) {
      this.first = chunk[from]!;
      if (to - from > 1) this.second = chunk[from + 1]!;
    } else if (this.lineLength === 1) {
      this.second = chunk[from]!;
    }
    this.lineLength += to - from;
    this.last = chunk[to - 1]!;
  }

  /** Accounts for a finished line; returns true when it was the terminator. */
  private endLine(): boolean {
    const s = this.stats;
    const crlf = this.lineLength > 0 && this.last === CR;
    const content = crlf ? this.lineLength - 1 : this.lineLength;
    if (!crlf) s.bareLF++;
    let stuffed = false;
    if (this.first === DOT && content >= 1) {
      if (content === 1) {
        s.complete = true;
        this.resetLine();
        return true;
      }
      stuffed = true;
      if (this.second !== DOT) s.unstuffedDots++;
    }
    if (content === 0 && s.headerLines === -1) s.headerLines = s.lines;
    s.lines++;
    s.octets += content - (stuffed ? 1 : 0) + 2;
    this.resetLine();
    return false;
  }

  private resetLine(): void {
    this.lineLength = 0;
    this.first = -1;
    this.second = -1;
    this.last = -1;
  }

  private keepPreview(chunk: Buffer, from: number, to: number): void {
    const room = BODY_PREVIEW_OCTETS - this.previewLength;
    if (room <= 0 || to <= from) return;
    const take = Math.min(room, to - from);
    this.previewParts.push(Buffer.from(chunk.subarray(from, from + take)));
    this.previewLength += take;
  }

  private finishPreview(): void {
    if (this.previewParts.length > 0) {
      this.stats.preview = Buffer.concat(this.previewParts, this.previewLength);
      this.previewParts = [];
    }
  }
}
