/**
 * The client side of a session: line framing, and masking before anything is parsed. A finished line is masked
 * (a command by its secrecy rules, a line inside AUTH by its mechanism's) and then handed to the session; a
 * line too long to keep is judged from its kept prefix and masked as it streams; bytes after STLS, before TLS,
 * are hidden and never parsed. Like the server reader, it sees the session only through a narrow host.
 */
import { maskSaslResponse } from './clientLines.js';
import { lookupCommand } from './commands.js';
import { MAX_KEPT_LINE } from './limits.js';
import { endingLength, type Line, LineBuffer } from './lineBuffer.js';
import { maskInPlace } from './redact.js';
import { type LineContext, maskCommand, overflowSecretStart } from './secrecy.js';
import type { RedactingTap } from './tap.js';
import type { OpenTransaction } from './transaction.js';
import type { ViolationCode } from './violations.js';

/** What the client reader needs of the session it reads for. The session implements it. */
export interface ClientReaderHost {
  /** True once nothing more is parsed: TLS passthrough, or a SASL security layer. */
  opaqueNow(): boolean;
  /** STLS was sent and not refused: cleartext is over until TLS begins. */
  stlsPending(): boolean;
  /** The AUTH exchange the next client line belongs to, if any (RFC 5034: AUTH is lock-step). */
  saslTransaction(): OpenTransaction | undefined;
  /** What a client line's secrecy depends on besides its bytes. */
  lineContext(): LineContext;
  /** Bytes the client sent that were never parsed (after STLS): its next bare lines may be secrets. */
  continuation(): void;
  /** A violation of the session, not of one transaction. */
  sessionViolation(t: number, code: ViolationCode, detail?: string): void;
  /** A finished command line, masked; `start` is the stream offset where it began. */
  command(line: Line, masked: Buffer, t: number, start: number): void;
  /** A finished line inside an AUTH exchange, masked. */
  saslResponse(tx: OpenTransaction, line: Line, masked: Buffer, t: number): void;
}

export class ClientReader {
  private readonly lines = new LineBuffer();
  /** Offset in the client stream where the unfinished client line began. */
  private lineStart = 0;
  /** For an overflowing line: stream offset from which it is masked, or -1. */
  private overflowSecret = -1;
  private overflowDecided = false;
  /** The unfinished line was masked whole before it ended (it held the output back too long). */
  private forced = false;
  private injectionFlagged = false;
  /**
   * The line being read may have begun before what was captured (after a hole in a packet trace, or at the
   * start of a trace that began mid-connection): it is parsed only when nothing secret can be in it.
   */
  private unsure = false;

  constructor(
    private readonly tap: RedactingTap,
    private readonly host: ClientReaderHost,
  ) {}

  receive(chunk: Buffer, base: number, t: number): void {
    const host = this.host;
    let pos = 0;
    while (pos < chunk.length && !host.opaqueNow()) {
      if (host.stlsPending()) {
        const n = chunk.length - pos;
        // Once per STLS, however the bytes are chunked, so the report does not depend on TCP segmentation.
        if (!this.injectionFlagged)
          host.sessionViolation(
            t,
            'POP3_STLS_INJECTION',
            'the client sent bytes after STLS, before TLS began',
          );
        this.injectionFlagged = true;
        // Never parsed, so a login among them cannot arm the guard: they arm it themselves (if STLS is then
        // refused, the client's next bare lines may be its credentials).
        host.continuation();
        // They are never parsed, and hidden: a broken client may have sent its password in them.
        this.tap.mask(base + pos, Buffer.alloc(n, 0x2a));
        this.lineStart = base + chunk.length;
        return;
      }
      const { end, line } = this.lines.push(chunk, pos);
      // A line of unknown start that grows too long is never classified: it is masked whole.
      if (!line && this.unsure && this.lines.overflowing && !this.forced) this.force();
      if (!line && (this.lines.overflowing || this.forced))
        this.overflow(chunk, pos, end, base, () => this.lines.peek());
      // The part of a long line in this chunk is judged like the parts before it.
      if (line?.overflow) this.overflow(chunk, pos, end - endingLength(line), base, () => line.content);
      if (line) {
        this.line(line, t, base + end - endingLength(line));
        this.lineStart = base + end;
        this.resetLine();
      }
      pos = end;
    }
  }

  /** TLS began: an unfinished cleartext line is never parsed; it is hidden, as it may hold a secret. */
  reset(): void {
    const unfinished = this.lines.pending;
    if (unfinished > 0) this.tap.maskRange(this.tap.offset - unfinished, this.tap.offset);
    this.lines.flush();
    this.resetLine();
    this.injectionFlagged = false;
    this.lineStart = this.tap.offset;
  }

  /**
   * Part of the client's stream was never captured. An unfinished line is settled as it stands (masked by its
   * own rules, as at the end of a connection, so the response still pairs with it); the next line may then
   * begin anywhere, so it is unsure.
   */
  lost(t: number): void {
    if (this.host.stlsPending()) return;
    const rest = this.lines.flush();
    if (rest) {
      this.line(rest, t, this.tap.offset);
      this.resetLine();
    }
    this.lineStart = this.tap.offset;
    this.unsure = true;
  }

  /** The capture began inside the connection: the first line may be the tail of one never seen. */
  beginUnsure(): void {
    this.unsure = true;
  }

  /** The connection ended: an unfinished line is settled as it stands. */
  close(t: number): void {
    const rest = this.lines.flush();
    if (rest) this.line(rest, t, this.tap.offset);
  }

  /** Where undecided client bytes begin: an unfinished line whose secrecy is not known yet. */
  undecidedFrom(): number {
    if (this.lines.pending === 0 || this.overflowDecided) return Number.POSITIVE_INFINITY;
    return this.lineStart;
  }

  /**
   * The unfinished line has held the output back too long (MAX_HELD_BEHIND): it is masked whole from here
   * on, decided without its end. Both the live view and a replay then parse the same masked line.
   */
  force(): void {
    this.forced = true;
    this.overflowDecided = true;
    this.overflowSecret = this.lineStart;
    this.tap.maskRange(this.lineStart, this.tap.offset);
  }

  private resetLine(): void {
    this.overflowSecret = -1;
    this.overflowDecided = false;
    this.forced = false;
  }

  /**
   * A line too long to keep: decide once what is secret, then mask every further byte as it comes (a CR is
   * never masked, so the one of a CRLF that ends the line needs no holding back). A line shown so far is
   * masked from a bare CR past its kept prefix on: what follows it cannot be classified.
   */
  private overflow(chunk: Buffer, from: number, to: number, base: number, prefix: () => Buffer): void {
    const tap = this.tap;
    if (!this.overflowDecided) {
      this.overflowDecided = true;
      const sasl = this.host.saslTransaction() !== undefined;
      const start = sasl ? 0 : overflowSecretStart(prefix(), this.host.lineContext());
      this.overflowSecret = start < 0 ? -1 : this.lineStart + start;
      if (this.overflowSecret >= 0) tap.maskRange(this.overflowSecret, base + to);
    } else if (this.overflowSecret >= 0) {
      tap.maskRange(base + from, base + to);
    }
    if (this.overflowSecret >= 0) return;
    const scanFrom = Math.max(from, this.lineStart + MAX_KEPT_LINE - base);
    const cr = scanFrom < to ? chunk.indexOf(0x0d, scanFrom) : -1;
    if (cr === -1 || cr >= to) return;
    this.overflowSecret = base + cr + 1;
    tap.maskRange(this.overflowSecret, base + to);
  }

  /**
   * Whether an unsure line is parsed: only outside AUTHORIZATION and outside an AUTH exchange (where no
   * secret is sent), and only when it starts with a verb POP3 knows. Anything else may be the tail of a
   * password: it is masked whole and not parsed, and the lines after it may be secrets too.
   */
  private trusted(line: Line): boolean {
    if (this.host.lineContext().authorization || this.host.saslTransaction()) return false;
    const c = line.content;
    const space = c.indexOf(0x20);
    const verb = c.subarray(0, space === -1 ? c.length : space).toString('latin1');
    return verb.length > 0 && lookupCommand(verb) !== undefined;
  }

  /** A finished line; `contentEnd` is the stream offset where its line ending begins. */
  private line(line: Line, t: number, contentEnd: number): void {
    if (this.unsure) {
      this.unsure = false;
      if (!this.trusted(line)) {
        this.tap.maskRange(this.lineStart, contentEnd);
        this.host.continuation();
        return;
      }
    }
    const content = Buffer.from(line.content);
    const sasl = this.host.saslTransaction();
    if (line.overflow || this.forced) {
      // Not kept whole (or masked before its end), so not decodable: everything from where a secret may
      // start is hidden.
      const from = this.forced || sasl ? 0 : overflowSecretStart(content, this.host.lineContext());
      if (from >= 0) {
        maskInPlace(content, from);
        this.tap.maskRange(this.lineStart + from, contentEnd);
      }
    } else if (sasl) {
      maskSaslResponse(content, sasl.sasl!.mechanism, {
        index: sasl.saslClientSteps,
        challenge: sasl.saslChallenge,
      });
    } else {
      maskCommand(content, this.host.lineContext());
    }
    if (!line.overflow && !this.forced) this.tap.mask(this.lineStart, content);
    if (sasl) this.host.saslResponse(sasl, line, content, t);
    else this.host.command(line, content, t, this.lineStart);
  }
}
