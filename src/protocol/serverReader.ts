/**
 * The server side of a session: status lines, SASL challenges, and multi-line bodies. Whether a +OK starts a
 * body depends on the command it answers (RFC 1939 §3), so this reader works against the session's queue of
 * outstanding commands, through a narrow host interface: it never sees the session itself. Message bodies are
 * scanned without keeping them; listings are kept line by line, up to a limit, because the mailbox model is
 * built from them.
 */
import { counted } from '../words.js';
import { BodyScanner } from './bodyScanner.js';
import { MAX_LISTING_LINES, MAX_LISTING_OCTETS } from './limits.js';
import { type Line, LineBuffer } from './lineBuffer.js';
import { maskInPlace } from './redact.js';
import { parseStatusLine } from './response.js';
import { serverChallenge } from './saslExchange.js';
import type { RedactingTap } from './tap.js';
import { addViolation, lineViolations, type OpenTransaction, stlsAccepted } from './transaction.js';
import type { ViolationCode } from './violations.js';

type Mode = 'line' | 'message' | 'listing' | 'stls';

/**
 * What the reader needs of the session it reads for: the transaction a status line answers, session
 * violations, and the moments a response begins and ends. The session implements it; the reader masks the
 * server tap it is given itself.
 */
export interface ServerReaderHost {
  /** Compute a SHA-256 of every RETR/TOP body. */
  readonly digests: boolean;
  /** True once nothing more is parsed: TLS passthrough, or a SASL security layer. */
  opaqueNow(): boolean;
  /** The transaction the next status line answers (the greeting, the oldest command, or unsolicited data). */
  answering(t: number): OpenTransaction;
  /** True while a command waits for its response. */
  awaitingResponse(): boolean;
  /** Whether the server's lines are secret right now (inside AUTH with a mechanism that hides challenges). */
  serverLinesSecret(): boolean;
  /** The server sent a "+ " continuation outside a SASL exchange: the client's next lines may be secrets. */
  continuation(): void;
  /** A violation of the session, not of one transaction. */
  sessionViolation(t: number, code: ViolationCode, detail?: string): void;
  /** A response begins: settles what depends on the phase the server processed it in. */
  responseBegins(tx: OpenTransaction): void;
  /** A response ended (or was cut short). */
  complete(tx: OpenTransaction, t: number): void;
}

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
  /**
   * Part of the stream was never captured (a packet trace lost it, or began mid-connection): lines are
   * skipped, unparsed, until a status line comes while a command waits for one.
   */
  private resyncing = false;

  constructor(
    private readonly tap: RedactingTap,
    private readonly host: ServerReaderHost,
  ) {}

  /** Where undecided bytes begin: only a SASL challenge of a secret-bearing mechanism is ever held. */
  undecidedFrom(): number {
    return !this.forced && this.holdingSecretLine() ? this.lineStart : Number.POSITIVE_INFINITY;
  }

  /** An unfinished status line that may be a secret-bearing challenge (so it is held, or masked). */
  private holdingSecretLine(): boolean {
    return this.mode === 'line' && this.lines.pending > 0 && this.host.serverLinesSecret();
  }

  /** True while a message body (RETR, TOP) is being read. */
  get inBody(): boolean {
    return this.mode === 'message';
  }

  /** The verb whose listing body is being read now (CAPA, LIST, ...), or null. */
  get listingOf(): string | null {
    return this.mode === 'listing' ? (this.current?.command?.verb ?? null) : null;
  }

  /** Forgets everything unfinished (TLS began). */
  reset(): void {
    // A challenge line held as possibly secret never ends now: it leaves masked.
    if (this.holdingSecretLine() && !this.forced) this.tap.maskRange(this.lineStart, this.tap.offset);
    this.lines = new LineBuffer();
    this.mode = 'line';
    this.current = null;
    this.body = null;
    this.injectionFlagged = false;
    this.forced = false;
    this.resyncing = false;
    this.lineStart = this.tap.offset;
  }

  /**
   * The unfinished line, held because it may be a secret-bearing challenge, is masked whole as it stands and
   * as the rest of it arrives: it held the output back too long, or grew longer than a line is kept.
   */
  forceMask(): void {
    if (this.mode !== 'line' || this.lines.pending === 0 || this.forced) return;
    this.forced = true;
    this.tap.maskRange(this.lineStart, this.tap.offset);
  }

  receive(chunk: Buffer, base: number, t: number): void {
    let pos = 0;
    while (pos < chunk.length && !this.host.opaqueNow()) {
      if (this.mode === 'stls') {
        // Once per STLS, however the bytes are chunked, so the report does not depend on TCP segmentation.
        if (!this.injectionFlagged)
          this.host.sessionViolation(
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
      if (this.forced) this.tap.maskRange(base + pos, line ? base + end - 1 : base + end);
      else if (!line && this.lines.overflowing && this.holdingSecretLine()) this.forceMask();
      if (line) {
        this.lineEnd = base + end;
        if (this.resyncing && this.mode === 'line' && !this.trustworthy(line)) {
          // Not parsed: it answers a command the capture never showed, or is the tail of a lost line.
        } else if (this.mode === 'listing') this.listingLine(line, t);
        else this.statusLine(line, t);
        this.lineStart = base + end;
        this.forced = false;
      }
      pos = end;
    }
  }

  /**
   * `octets` of the server's stream were never captured. Inside a body, the body goes on (the octets are
   * counted as body); inside a listing, the unfinished listing line is dropped; between responses, an
   * unfinished status line is settled as it stands and the lines after the hole are skipped until a status
   * line answers a waiting command. Nothing is invented.
   */
  lost(octets: number, t: number): void {
    if (this.mode === 'message') {
      this.body!.lost(octets);
      return;
    }
    if (this.mode === 'listing') {
      this.lines = new LineBuffer();
      this.lineStart = this.tap.offset;
      return;
    }
    if (this.mode !== 'line') return;
    const rest = this.lines.flush();
    if (rest) {
      this.lineEnd = this.tap.offset;
      this.statusLine(rest, t);
      this.lineStart = this.tap.offset;
      this.forced = false;
    }
    if (this.mode === 'line') this.resyncing = true;
  }

  /** The capture began inside the connection: what the server sends first answers commands never seen. */
  resync(): void {
    this.resyncing = true;
  }

  /** After a hole, a line is parsed again once it is a status line and a command waits for one. */
  private trustworthy(line: Line): boolean {
    const c = line.content;
    const status =
      (c.length >= 3 && c[0] === 0x2b && (c[1] | 0x20) === 0x6f && (c[2] | 0x20) === 0x6b) ||
      (c.length >= 4 && c[0] === 0x2d && c.subarray(1, 4).toString('latin1').toUpperCase() === 'ERR') ||
      (c[0] === 0x2b && (c.length === 1 || c[1] === 0x20));
    if (!status || !this.host.awaitingResponse()) return false;
    this.resyncing = false;
    return true;
  }

  close(t: number): void {
    this.lineEnd = this.tap.offset;
    if (this.mode === 'message') {
      this.body!.close();
      const tx = this.current!;
      this.copyBody(tx);
      addViolation(
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
        addViolation(
          tx,
          'POP3_TRUNCATED_RESPONSE',
          `the listing of ${tx.command?.verb} had no "." terminator`,
        );
        this.finish(t);
      }
      return;
    }
    if (rest && this.mode === 'line' && !(this.resyncing && !this.trustworthy(rest))) {
      this.statusLine(rest, t);
      // The unterminated status line may itself have opened a body that can now never end.
      const mode = this.mode as Mode;
      if (mode === 'message' || mode === 'listing') this.close(t);
    }
  }

  private statusLine(line: Line, t: number): void {
    const host = this.host;
    const tx = host.answering(t);
    const content = Buffer.from(line.content);
    if (this.forced) maskInPlace(content);
    const first = content[0];
    const plus = first === 0x2b && (content.length === 1 || content[1] === 0x20);
    const isChallenge = tx.sasl?.outcome === null && plus;
    if (plus && !isChallenge) host.continuation();
    if (tx.response.at === null) tx.response.at = t;
    if (tx.wire.s2cStart < 0) tx.wire.s2cStart = this.lineStart;
    lineViolations(tx, line, 'server');
    if (isChallenge) {
      serverChallenge(tx, content, t);
      this.tap.mask(this.lineStart, content);
      return;
    }
    host.responseBegins(tx);
    const parsed = parseStatusLine(content.toString('utf8'));
    const response = tx.response;
    response.status = parsed.status;
    response.code = parsed.code;
    response.text = parsed.text;
    if (!parsed.exact) {
      addViolation(tx, 'POP3_BAD_STATUS', JSON.stringify(content.subarray(0, 40).toString('utf8')));
    }
    const args = tx.command?.args ?? [];
    response.multiline = parsed.status === '+OK' && tx.spec !== undefined && tx.spec.multiline(args);
    this.current = tx;
    if (stlsAccepted(tx)) {
      response.complete = true;
      this.finish(t);
      this.mode = 'stls';
    } else if (response.multiline && tx.spec?.messageBody) {
      this.mode = 'message';
      this.body = new BodyScanner(host.digests);
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
        addViolation(
          tx,
          'POP3_BARE_LINE_ENDING',
          `${counted(this.listingBareLF, 'line')} of the listing ended in a bare LF`,
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
      addViolation(tx, 'POP3_BARE_LINE_ENDING', `${counted(stats.bareLF, 'body line')} ended in a bare LF`);
    if (stats.unstuffedDots > 0) addViolation(tx, 'POP3_UNSTUFFED_DOT', counted(stats.unstuffedDots, 'line'));
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
    this.host.complete(tx, t);
  }
}
