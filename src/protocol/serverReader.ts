/**
 * The server side of a session: status lines, SASL challenges, and multi-line bodies. Whether a +OK starts a
 * body depends on the command it answers (RFC 1939 §3), so this reader works against the session's queue of
 * outstanding commands. Message bodies are scanned without keeping them; listings are kept line by line, up
 * to a limit, because the mailbox model is built from them.
 */
import { BodyScanner } from './bodyScanner.js';
import { MAX_LISTING_LINES, MAX_LISTING_OCTETS } from './limits.js';
import { type Line, LineBuffer } from './lineBuffer.js';
import { maskInPlace } from './redact.js';
import { parseStatusLine } from './response.js';
import type { OpenTransaction, Pop3Session } from './session.js';

type Mode = 'line' | 'message' | 'listing' | 'stls';

export class ServerReader {
  private lines = new LineBuffer();
  private mode: Mode = 'line';
  private current: OpenTransaction | null = null;
  private body: BodyScanner | null = null;
  /** Stream offset where the unfinished line began. */
  private lineStart = 0;
  private listingBareLF = 0;
  private listingKept = 0;
  /** Stream offset just past the line (or body part) being handled: where a finished response ends. */
  private lineEnd = 0;
  private injectionFlagged = false;
  /** The unfinished line was masked whole before it ended (held too long, or too long to keep). */
  private forced = false;

  constructor(private readonly session: Pop3Session) {}

  /** Where undecided bytes begin: only a SASL challenge of a secret-bearing mechanism is ever held. */
  undecidedFrom(): number {
    if (this.forced) return Number.POSITIVE_INFINITY;
    if (this.mode === 'line' && this.lines.pending > 0 && this.session.serverLinesSecret())
      return this.lineStart;
    return Number.POSITIVE_INFINITY;
  }

  /** The verb whose listing body is being read now (CAPA, LIST, ...), or null. */
  get listingOf(): string | null {
    return this.mode === 'listing' ? (this.current?.command?.verb ?? null) : null;
  }

  /** Forgets everything unfinished (TLS began). */
  reset(): void {
    // A challenge line held as possibly secret never ends now: it leaves masked.
    if (this.mode === 'line' && this.lines.pending > 0 && this.session.serverLinesSecret() && !this.forced)
      this.session.maskServerRange(this.lineStart, this.session.offset('s2c'));
    this.lines = new LineBuffer();
    this.mode = 'line';
    this.current = null;
    this.body = null;
    this.injectionFlagged = false;
    this.forced = false;
    this.lineStart = this.session.offset('s2c');
  }

  /**
   * The unfinished line, held because it may be a secret-bearing challenge, is masked whole as it stands and
   * as the rest of it arrives: it held the output back too long, or grew longer than a line is kept.
   */
  forceMask(): void {
    if (this.mode !== 'line' || this.lines.pending === 0 || this.forced) return;
    this.forced = true;
    this.session.maskServerRange(this.lineStart, this.session.offset('s2c'));
  }

  receive(chunk: Buffer, base: number, t: number): void {
    let pos = 0;
    while (pos < chunk.length && !this.session.opaqueNow) {
      if (this.mode === 'stls') {
        // Once per STLS, however the bytes are chunked, so the report does not depend on TCP segmentation.
        if (!this.injectionFlagged)
          this.session.sessionViolation(
            t,
            'POP3_STLS_INJECTION',
            'the server sent bytes after its +OK to STLS, before TLS began',
          );
        this.injectionFlagged = true;
        return;
      }
      if (this.mode === 'message') {
        pos = this.body!.push(chunk, pos);
        this.lineEnd = base + pos;
        if (this.body!.stats.complete) this.endMessage(t);
        this.lineStart = base + pos;
        continue;
      }
      const { end, line } = this.lines.push(chunk, pos);
      if (this.forced) this.session.maskServerRange(base + pos, line ? base + end - 1 : base + end);
      else if (!line && this.mode === 'line' && this.lines.overflowing && this.session.serverLinesSecret())
        this.forceMask();
      if (line) {
        this.lineEnd = base + end;
        if (this.mode === 'listing') this.listingLine(line, t);
        else this.statusLine(line, t);
        this.lineStart = base + end;
        this.forced = false;
      }
      pos = end;
    }
  }

  close(t: number): void {
    this.lineEnd = this.session.offset('s2c');
    if (this.mode === 'message') {
      this.body!.close();
      const tx = this.current!;
      this.copyBody(tx);
      this.session.addViolation(
        tx,
        'POP3_TRUNCATED_RESPONSE',
        `the body of ${tx.command?.verb ?? 'the response'} ${this.body!.stats.tail}`,
      );
      this.finish(t);
      return;
    }
    const rest = this.lines.flush();
    if (this.mode === 'listing') {
      if (rest) this.listingLine(rest, t);
      if (this.mode === 'listing') {
        const tx = this.current!;
        this.session.addViolation(
          tx,
          'POP3_TRUNCATED_RESPONSE',
          `the listing of ${tx.command?.verb} had no "." terminator`,
        );
        this.finish(t);
      }
      return;
    }
    if (rest && this.mode === 'line') {
      this.statusLine(rest, t);
      // The unterminated status line may itself have opened a body that can now never end.
      const mode = this.mode as Mode;
      if (mode === 'message' || mode === 'listing') this.close(t);
    }
  }

  private statusLine(line: Line, t: number): void {
    const session = this.session;
    // The greeting comes first even when the client spoke before it (commands sent early wait their turn).
    const tx = session.greeted ? (session.outstanding[0] ?? session.unsolicited(t)) : session.unsolicited(t);
    const content = Buffer.from(line.content);
    if (this.forced) maskInPlace(content);
    const first = content[0];
    const plus = first === 0x2b && (content.length === 1 || content[1] === 0x20);
    const isChallenge = tx.sasl?.outcome === null && plus;
    if (plus && !isChallenge) session.continuation();
    if (tx.response.at === null) tx.response.at = t;
    if (tx.wire.s2cStart < 0) tx.wire.s2cStart = this.lineStart;
    session.lineViolations(tx, line, 'server');
    if (isChallenge) {
      session.serverChallenge(tx, content, t);
      session.maskServer(this.lineStart, content);
      return;
    }
    session.responseBegins(tx);
    const parsed = parseStatusLine(content.toString('utf8'));
    const response = tx.response;
    response.status = parsed.status;
    response.code = parsed.code;
    response.text = parsed.text;
    if (!parsed.exact) {
      session.addViolation(tx, 'POP3_BAD_STATUS', JSON.stringify(content.subarray(0, 40).toString('utf8')));
    }
    const args = tx.command?.args ?? [];
    response.multiline = parsed.status === '+OK' && tx.spec !== undefined && tx.spec.multiline(args);
    this.current = tx;
    if (session.stlsAccepted(tx)) {
      response.complete = true;
      this.finish(t);
      this.mode = 'stls';
    } else if (response.multiline && tx.spec?.messageBody) {
      this.mode = 'message';
      this.body = new BodyScanner(this.session.digests);
    } else if (response.multiline) {
      this.mode = 'listing';
      response.listing = [];
      this.listingBareLF = 0;
      this.listingKept = 0;
    } else {
      response.complete = true;
      this.finish(t);
    }
  }

  private listingLine(line: Line, t: number): void {
    const tx = this.current!;
    const response = tx.response;
    let content = line.content;
    if (line.ending === 'LF') this.listingBareLF++;
    if (content.length === 1 && content[0] === 0x2e) {
      response.complete = true;
      if (this.listingBareLF > 0) {
        this.session.addViolation(
          tx,
          'POP3_BARE_LINE_ENDING',
          `${this.listingBareLF} line(s) of the listing ended in a bare LF`,
        );
      }
      this.finish(t);
      return;
    }
    if (content[0] === 0x2e) content = content.subarray(1);
    response.bodyLines++;
    response.bodyOctets += content.length + 2;
    // Bounded both ways: a server sending a million long garbage lines must not grow memory.
    if (
      response.listing!.length < MAX_LISTING_LINES &&
      this.listingKept + content.length <= MAX_LISTING_OCTETS
    ) {
      this.listingKept += content.length;
      response.listing!.push(content.toString('utf8'));
    }
  }

  private endMessage(t: number): void {
    const tx = this.current!;
    tx.response.complete = true;
    this.copyBody(tx);
    const stats = this.body!.stats;
    if (stats.bareLF > 0)
      this.session.addViolation(
        tx,
        'POP3_BARE_LINE_ENDING',
        `${stats.bareLF} body line(s) ended in a bare LF`,
      );
    if (stats.unstuffedDots > 0)
      this.session.addViolation(tx, 'POP3_UNSTUFFED_DOT', `${stats.unstuffedDots} line(s)`);
    this.finish(t);
  }

  private copyBody(tx: OpenTransaction): void {
    const stats = this.body!.stats;
    tx.response.bodyOctets = stats.octets;
    tx.response.bodyLines = stats.lines;
    tx.response.preview = stats.preview;
    tx.response.headerLines = stats.headerLines;
    if (stats.digest) tx.response.digest = stats.digest;
  }

  private finish(t: number): void {
    const tx = this.current!;
    tx.wire.s2cEnd = this.lineEnd;
    this.mode = 'line';
    this.current = null;
    this.body = null;
    this.session.complete(tx, t);
  }
}
