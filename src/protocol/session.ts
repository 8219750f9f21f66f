/**
 * The POP3 protocol engine for one session: bytes in (direction, chunk, timestamp), typed events out. It frames
 * both directions, pairs each response with the oldest outstanding command (pipelining, RFC 2449 §6.6), knows
 * from the command table whether a +OK starts a multi-line body, follows SASL and STLS, tracks the phase, and
 * masks secrets before anything is parsed or handed on. It does no I/O and keeps no clock: it is driven
 * identically by the live proxy, by replay and by tests. Peer misbehaviour becomes a violation, never an
 * exception.
 */

import {
  maskSaslChallenge,
  maskSaslResponse,
  showCommand,
  showSaslChallenge,
  showSaslResponse,
} from './clientLines.js';
import { type CommandSpec, checkArguments, lookupCommand, type Phase } from './commands.js';
import {
  MAX_COMMAND_LINE,
  MAX_EVENTS_HELD_BEHIND,
  MAX_HELD_BEHIND,
  MAX_KEPT_LINE,
  MAX_OUTSTANDING_COMMANDS,
  MAX_RESPONSE_LINE,
  MAX_SASL_STEPS,
  MAX_SHOWN_COMMAND,
  MAX_VIOLATIONS_PER_TRANSACTION,
} from './limits.js';
import { type Line, LineBuffer } from './lineBuffer.js';
import { OrderedOutput } from './output.js';
import { isMasked, maskInPlace } from './redact.js';
import { type LineContext, maskCommand, overflowSecretStart, secretStart } from './secrecy.js';
import { SecretGuard } from './secretGuard.js';
import { ServerReader, type ServerReaderHost } from './serverReader.js';
import { RedactingTap } from './tap.js';
import type { OpenTransaction } from './transaction.js';
import type {
  CommandInfo,
  Direction,
  ProtocolEvent,
  RawTransaction,
  ResponseInfo,
  TlsInfo,
} from './types.js';
import { type Violation, type ViolationCode, violation } from './violations.js';

export class Pop3Session {
  private readonly taps = { c2s: new RedactingTap(), s2c: new RedactingTap() };
  /** Everything handed on, in arrival order (chunks held while undecided, the events they caused behind). */
  private readonly out = new OrderedOutput(this.taps);
  /** Whether a bare client line may be a credential now. */
  readonly guard = new SecretGuard();
  private readonly clientLines = new LineBuffer();
  /** Offset in the client stream where the unfinished client line began. */
  private clientLineStart = 0;
  /** For an overflowing client line: stream offset from which it is masked, or -1. */
  private clientOverflowSecret = -1;
  private clientOverflowDecided = false;
  /** The unfinished client line was masked whole before it ended (it held the output back too long). */
  private clientForced = false;
  private clientInjectionFlagged = false;
  private readonly server: ServerReader;
  /** Commands waiting for their response, oldest first. */
  private readonly outstanding: OpenTransaction[] = [];
  private untracked = 0;
  private seq = 0;
  /** True once the server's greeting arrived (it is the first response, whatever the client sent before it). */
  private greeted = false;
  phase: Phase | null = null;
  /** Capabilities from the last CAPA (upper-case first words), or null when none was seen. */
  capabilities: Set<string> | null = null;
  /** STLS sent and not refused: cleartext is over until TLS begins. */
  private stlsPending = false;
  private opaque = false;
  private ended = false;
  private lastCompleted: RawTransaction | null = null;
  private pipeliningFlagged = false;
  /** Commands pipelined while a CAPA answer was on its way, judged when it arrives. */
  private readonly pipelineDeferred: OpenTransaction[] = [];

  /** @param digests compute a SHA-256 of every RETR/TOP body (for replay comparisons; costs some speed). */
  constructor(readonly digests = false) {
    this.server = new ServerReader(this.readerHost());
  }

  /** What the server reader may see and do of this session (it never sees the session itself). */
  private readerHost(): ServerReaderHost {
    return {
      digests: this.digests,
      opaqueNow: () => this.opaque,
      answering: (t) => this.answering(t),
      offset: () => this.taps.s2c.offset,
      serverLinesSecret: () => this.serverLinesSecret(),
      maskServer: (at, content) => this.taps.s2c.mask(at, content),
      maskServerRange: (from, to) => this.taps.s2c.maskRange(from, to),
      serverChallenge: (tx, content, t) => this.serverChallenge(tx, content, t),
      continuation: () => this.guard.continuation(this.seq),
      lineViolations: (tx, line) => this.lineViolations(tx, line, 'server'),
      addViolation: (tx, code, detail) => this.addViolation(tx, code, detail),
      sessionViolation: (t, code, detail) => this.sessionViolation(t, code, detail),
      responseBegins: (tx) => this.responseBegins(tx),
      complete: (tx, t) => this.complete(tx, t),
    };
  }

  /** Feeds one received chunk; returns the events it caused. Never throws on any bytes. */
  receive(dir: Direction, chunk: Uint8Array, t: number): ProtocolEvent[] {
    const bytes = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.ended || bytes.length === 0) return this.drain();
    const tap = this.taps[dir];
    const base = tap.offset;
    // Queued before the events it causes: sinks see the bytes before the transactions they complete.
    this.out.pushChunk(dir, tap.begin(bytes, t));
    if (this.opaque) return this.drain();
    if (dir === 'c2s') this.receiveClient(bytes, base, t);
    else this.server.receive(bytes, base, t);
    return this.drain();
  }

  /** TLS began (implicit or after STLS). Decrypted: parsing starts afresh; opaque: bytes are only counted. */
  tls(info: TlsInfo, t: number): ProtocolEvent[] {
    this.stlsPending = false;
    this.clientInjectionFlagged = false;
    this.server.reset();
    // An unfinished cleartext client line is never parsed; it is hidden, as it may hold a secret.
    const unfinished = this.clientLines.pending;
    if (unfinished > 0) this.taps.c2s.maskRange(this.taps.c2s.offset - unfinished, this.taps.c2s.offset);
    this.clientLines.flush();
    this.resetClientLine();
    this.clientLineStart = this.taps.c2s.offset;
    this.opaque = info.visibility === 'opaque';
    // RFC 2595 §4: after TLS both sides forget what CAPA said.
    this.capabilities = null;
    this.out.push({ type: 'tls', t, info });
    return this.drain();
  }

  /** The connection ended: unfinished lines and responses are settled and reported. */
  close(t: number): ProtocolEvent[] {
    if (this.ended) return this.drain();
    if (!this.opaque) {
      const rest = this.clientLines.flush();
      if (rest) this.clientLine(rest, t, this.taps.c2s.offset);
      this.server.close(t);
      for (const tx of this.outstanding.splice(0)) {
        tx.endedAt = t;
        this.addViolation(tx, 'POP3_NO_RESPONSE', `${tx.command?.verb ?? 'greeting'} got no response`);
        this.out.push({ type: 'transaction', tx });
      }
    }
    this.ended = true;
    return this.drain();
  }

  // ----- client side -----

  private receiveClient(chunk: Buffer, base: number, t: number): void {
    let pos = 0;
    while (pos < chunk.length && !this.opaque) {
      if (this.stlsPending) {
        const n = chunk.length - pos;
        // Once per STLS, however the bytes are chunked, so the report does not depend on TCP segmentation.
        if (!this.clientInjectionFlagged)
          this.sessionViolation(
            t,
            'POP3_STLS_INJECTION',
            'the client sent bytes after STLS, before TLS began',
          );
        this.clientInjectionFlagged = true;
        // Never parsed, so a login among them cannot arm the guard: they arm it themselves (if STLS is then
        // refused, the client's next bare lines may be its credentials).
        this.guard.continuation(this.seq);
        // They are never parsed, and hidden: a broken client may have sent its password in them.
        this.taps.c2s.mask(base + pos, Buffer.alloc(n, 0x2a));
        this.clientLineStart = base + chunk.length;
        return;
      }
      const { end, line } = this.clientLines.push(chunk, pos);
      if (!line && (this.clientLines.overflowing || this.clientForced))
        this.overflowClient(chunk, pos, end, base, () => this.clientLines.peek());
      // The part of a long line in this chunk is judged like the parts before it.
      if (line?.overflow) this.overflowClient(chunk, pos, end - endingLength(line), base, () => line.content);
      if (line) {
        this.clientLine(line, t, base + end - endingLength(line));
        this.clientLineStart = base + end;
        this.resetClientLine();
      }
      pos = end;
    }
  }

  private resetClientLine(): void {
    this.clientOverflowSecret = -1;
    this.clientOverflowDecided = false;
    this.clientForced = false;
  }

  /**
   * A client line too long to keep: decide once what is secret, then mask every further byte as it comes (a
   * CR is never masked, so the one of a CRLF that ends the line needs no holding back). A line shown so far
   * is masked from a bare CR past its kept prefix on: what follows it cannot be classified.
   */
  private overflowClient(chunk: Buffer, from: number, to: number, base: number, prefix: () => Buffer): void {
    const tap = this.taps.c2s;
    if (!this.clientOverflowDecided) {
      this.clientOverflowDecided = true;
      const sasl = this.saslTransaction() !== undefined;
      const start = sasl ? 0 : overflowSecretStart(prefix(), this.lineContext());
      this.clientOverflowSecret = start < 0 ? -1 : this.clientLineStart + start;
      if (this.clientOverflowSecret >= 0) tap.maskRange(this.clientOverflowSecret, base + to);
    } else if (this.clientOverflowSecret >= 0) {
      tap.maskRange(base + from, base + to);
    }
    if (this.clientOverflowSecret >= 0) return;
    const scanFrom = Math.max(from, this.clientLineStart + MAX_KEPT_LINE - base);
    const cr = scanFrom < to ? chunk.indexOf(0x0d, scanFrom) : -1;
    if (cr === -1 || cr >= to) return;
    this.clientOverflowSecret = base + cr + 1;
    tap.maskRange(this.clientOverflowSecret, base + to);
  }

  /**
   * The unfinished client line has held the output back too long (MAX_HELD_BEHIND): it is masked whole from
   * here on, decided without its end. Both the live view and a replay then parse the same masked line.
   */
  private forceClientLine(): void {
    this.clientForced = true;
    this.clientOverflowDecided = true;
    this.clientOverflowSecret = this.clientLineStart;
    this.taps.c2s.maskRange(this.clientLineStart, this.taps.c2s.offset);
  }

  /** What a client line's secrecy depends on besides its bytes. */
  private lineContext(): LineContext {
    return {
      guarded: this.guard.armed,
      authorization: this.phase === null || this.phase === 'AUTHORIZATION',
    };
  }

  private clientUndecidedFrom(): number {
    if (this.clientLines.pending === 0 || this.clientOverflowDecided) return Number.POSITIVE_INFINITY;
    return this.clientLineStart;
  }

  /** A finished client line; `contentEnd` is the stream offset where its line ending begins. */
  private clientLine(line: Line, t: number, contentEnd: number): void {
    const content = Buffer.from(line.content);
    const sasl = this.saslTransaction();
    if (line.overflow || this.clientForced) {
      // Not kept whole (or masked before its end), so not decodable: everything from where a secret may
      // start is hidden.
      const from = this.clientForced || sasl ? 0 : overflowSecretStart(content, this.lineContext());
      if (from >= 0) {
        maskInPlace(content, from);
        this.taps.c2s.maskRange(this.clientLineStart + from, contentEnd);
      }
    } else if (sasl) {
      maskSaslResponse(content, sasl.sasl!.mechanism, {
        index: sasl.saslClientSteps,
        challenge: sasl.saslChallenge,
      });
    } else {
      maskCommand(content, this.lineContext());
    }
    if (!line.overflow && !this.clientForced) this.taps.c2s.mask(this.clientLineStart, content);
    if (sasl) {
      this.lineViolations(sasl, line, 'client');
      this.saslClientStep(sasl, content, t);
    } else {
      this.command(line, content, t);
    }
  }

  private command(line: Line, masked: Buffer, t: number): void {
    const shown = showCommand(masked);
    if (line.overflow) this.fullSecretLength(shown, masked, line);
    shown.line = clip(shown.line);
    shown.verb = clip(shown.verb, 40);
    shown.args = shown.args.map((a) => clip(a));
    shown.rawArgs = shown.rawArgs.map((a) => clip(a));
    const spec = lookupCommand(shown.verb);
    const pipelined = this.outstanding.length > 0 || !this.greeted;
    const command: CommandInfo = {
      verb: shown.verb,
      args: shown.args,
      line: shown.line,
      octets: line.octets,
      at: t,
      pipelined,
    };
    const tx: OpenTransaction = {
      seq: ++this.seq,
      phase: this.phase ?? 'AUTHORIZATION',
      command,
      spec,
      response: awaitedResponse(null),
      wire: {
        c2sStart: this.clientLineStart,
        c2sEnd: this.clientLineStart + line.octets,
        s2cStart: -1,
        s2cEnd: -1,
      },
      violations: [],
      startedAt: t,
      endedAt: t,
      saslChallenge: '',
      saslClientSteps: 0,
    };
    this.lineViolations(tx, line, 'client');
    if (line.octets > MAX_COMMAND_LINE) {
      this.addViolation(tx, 'POP3_COMMAND_TOO_LONG', `${line.octets} octets`);
    }
    if (!spec) {
      this.addViolation(tx, 'POP3_UNKNOWN_COMMAND', unknownDetail(shown.verb));
    } else {
      const problem = checkArguments(spec, shown.rawArgs);
      if (problem) this.addViolation(tx, 'POP3_INVALID_ARGUMENT', problem);
    }
    if (pipelined && this.greeted) this.checkPipelining(tx);
    if (spec?.verb === 'AUTH' && shown.rawArgs.length > 0) {
      const mechanismName = shown.rawArgs[0]!.toUpperCase();
      tx.sasl = { mechanism: mechanismName, steps: [], outcome: null };
      if (shown.rawArgs.length > 1) this.saslClientStep(tx, Buffer.from(shown.rawArgs[1]!, 'latin1'), t);
    }
    if (spec?.verb === 'STLS') this.stlsPending = true;
    if (spec) this.guard.command(spec.verb, tx.seq);
    this.out.push({ type: 'command', seq: tx.seq, command });
    if (this.outstanding.length >= MAX_OUTSTANDING_COMMANDS) {
      if (this.untracked++ === 0)
        this.sessionViolation(
          t,
          'POP3_PIPELINE_OVERFLOW',
          `over ${MAX_OUTSTANDING_COMMANDS} commands waiting`,
        );
      return;
    }
    this.outstanding.push(tx);
  }

  /**
   * RFC 2449 §6.6: a client may pipeline once the server lists PIPELINING. A command sent while a CAPA answer
   * is still on its way is judged by that answer, when it arrives: a client that sends CAPA and USER in one
   * write to a server that lists PIPELINING did the server no harm.
   */
  private checkPipelining(tx: OpenTransaction): void {
    if (this.pipeliningFlagged || this.capabilities?.has('PIPELINING')) return;
    if (this.outstanding.some((o) => o.spec?.verb === 'CAPA')) {
      if (this.pipelineDeferred.length < MAX_OUTSTANDING_COMMANDS) this.pipelineDeferred.push(tx);
      return;
    }
    this.flagPipelining(
      tx,
      this.capabilities ? 'CAPA did not list PIPELINING' : 'the client never asked CAPA',
    );
  }

  private flagPipelining(tx: OpenTransaction, why: string): void {
    this.pipeliningFlagged = true;
    this.addViolation(
      tx,
      'POP3_PIPELINING_NOT_ADVERTISED',
      `${tx.command?.verb} was sent before earlier responses arrived; ${why}`,
    );
  }

  /** A CAPA answer arrived: the commands pipelined while it was on its way are judged by it. */
  private judgeDeferredPipelining(capa: OpenTransaction): void {
    const waiting = this.pipelineDeferred.splice(0).filter((tx) => tx.seq > capa.seq);
    if (waiting.length === 0 || this.pipeliningFlagged || this.capabilities?.has('PIPELINING')) return;
    const why =
      capa.response.status === '+OK'
        ? 'it was sent before the CAPA answer arrived, and CAPA did not list PIPELINING'
        : 'it was sent before the CAPA answer arrived, and CAPA was refused';
    const first = waiting.find((tx) => this.outstanding.includes(tx));
    if (first) this.flagPipelining(first, why);
  }

  /** For a line too long to keep, a redacted secret is described with its real length, not the kept one. */
  private fullSecretLength(shown: { args: string[]; line: string }, masked: Buffer, line: Line): void {
    const from = secretStart(masked);
    if (from < 0) return;
    const real = `<redacted ${line.octets - endingLength(line) - from} octets>`;
    const kept = /<redacted \d+ octets?(, non-ASCII)?>/;
    shown.line = shown.line.replace(kept, real);
    shown.args = shown.args.map((a) => a.replace(kept, real));
  }

  /** The AUTH exchange in progress, if the client's next line belongs to it (RFC 5034: AUTH is lock-step). */
  private saslTransaction(): OpenTransaction | undefined {
    const last = this.outstanding[this.outstanding.length - 1];
    return last?.sasl && last.sasl.outcome === null ? last : undefined;
  }

  private saslClientStep(tx: OpenTransaction, masked: Buffer, t: number): void {
    const sasl = tx.sasl!;
    const step = { index: tx.saslClientSteps++, challenge: tx.saslChallenge };
    const shown = showSaslResponse(masked, sasl.mechanism, step);
    if (shown.badBase64) this.addViolation(tx, 'POP3_SASL_BAD_BASE64', 'client response');
    if (shown.user !== undefined && sasl.user === undefined) sasl.user = shown.user;
    if (shown.layer !== undefined) sasl.layer = shown.layer;
    this.saslStep(tx, 'client', shown.text, t);
  }

  saslStep(tx: OpenTransaction, from: 'client' | 'server', text: string, at: number): void {
    const steps = tx.sasl!.steps;
    if (steps.length < MAX_SASL_STEPS) steps.push({ from, text, at });
  }

  // ----- for the server reader (through readerHost) -----

  /**
   * The transaction a server status line answers. The greeting comes first even when the client spoke before
   * it (commands sent early wait their turn).
   */
  private answering(t: number): OpenTransaction {
    return this.greeted ? (this.outstanding[0] ?? this.unsolicited(t)) : this.unsolicited(t);
  }

  /** A server challenge inside AUTH: masked when the mechanism needs it, decoded for display. */
  private serverChallenge(tx: OpenTransaction, content: Buffer, t: number): void {
    maskSaslChallenge(content, tx.sasl!.mechanism);
    const shown = showSaslChallenge(content.toString('latin1').slice(2));
    if (shown.badBase64) this.addViolation(tx, 'POP3_SASL_BAD_BASE64', 'server challenge');
    tx.saslChallenge = shown.decoded;
    this.saslStep(tx, 'server', shown.text, t);
  }

  /** Whether the server's lines are secret right now (inside AUTH with a mechanism that hides challenges). */
  private serverLinesSecret(): boolean {
    const sasl = this.outstanding[0]?.sasl;
    return sasl !== undefined && sasl.outcome === null;
  }

  /** Opens the greeting transaction, or one for data nobody asked for. */
  private unsolicited(t: number): OpenTransaction {
    const greeting = !this.greeted;
    this.greeted = true;
    const tx: OpenTransaction = {
      seq: greeting ? 0 : ++this.seq,
      phase: this.phase ?? 'AUTHORIZATION',
      command: null,
      response: awaitedResponse(t),
      wire: { c2sStart: -1, c2sEnd: -1, s2cStart: -1, s2cEnd: -1 },
      violations: [],
      startedAt: t,
      endedAt: t,
      saslChallenge: '',
      saslClientSteps: 0,
    };
    if (!greeting) this.addViolation(tx, 'POP3_UNEXPECTED_DATA');
    return tx;
  }

  /** Called when a response begins: settles what depends on the phase the server processed it in. */
  private responseBegins(tx: OpenTransaction): void {
    tx.phase = this.phase ?? 'AUTHORIZATION';
    const spec = tx.spec;
    if (!spec || !tx.command) return;
    if (this.phase && !spec.phases.includes(this.phase)) {
      this.addViolation(tx, 'POP3_WRONG_STATE', `${spec.verb} is not valid in ${this.phase}`);
    }
    if (spec.verb === 'PASS') {
      const prev = this.lastCompleted;
      if (!(prev?.command?.verb === 'USER' && prev.response.status === '+OK')) {
        this.addViolation(
          tx,
          'POP3_PASS_WITHOUT_USER',
          prev?.command?.verb === 'USER' ? 'USER was refused' : 'no USER came before',
        );
      }
    }
  }

  /** A response ended (or was cut short): phase changes, STLS, and the transaction event. */
  private complete(tx: OpenTransaction, t: number): void {
    tx.endedAt = t;
    const index = this.outstanding.indexOf(tx);
    if (index !== -1) this.outstanding.splice(index, 1);
    const status = tx.response.status;
    const verb = tx.command?.verb;
    let next: (() => void) | null = null;
    if (tx.seq === 0 && tx.command === null) {
      if (status === '+OK') next = this.phaseChange('AUTHORIZATION', t, 'the server greeted the client');
      else this.addViolation(tx, 'POP3_GREETING_REFUSED', tx.response.text);
    } else if (
      tx.response.complete &&
      status === '+OK' &&
      this.phase === 'AUTHORIZATION' &&
      (verb === 'PASS' || verb === 'APOP' || (verb === 'AUTH' && tx.sasl))
    ) {
      next = this.phaseChange(
        'TRANSACTION',
        t,
        `${verb} succeeded: the maildrop is locked and its messages numbered`,
      );
    } else if (verb === 'QUIT' && this.phase === 'TRANSACTION' && status !== null) {
      next = this.phaseChange(
        'UPDATE',
        t,
        status === '+OK'
          ? 'QUIT from TRANSACTION: marked messages are removed now'
          : `QUIT answered -ERR: ${tx.response.text}`,
      );
    }
    if (tx.sasl && tx.sasl.outcome === null && status !== null) {
      const cancelled = tx.sasl.steps.some((s) => s.from === 'client' && s.text.startsWith('* '));
      if (cancelled && status === '+OK')
        this.addViolation(tx, 'POP3_SASL_CANCEL_ACCEPTED', 'the server answered +OK');
      tx.sasl.outcome = cancelled ? 'cancelled' : status === '+OK' ? 'success' : 'failure';
      if (tx.sasl.outcome === 'success' && tx.sasl.layer) next = this.securityLayer(tx, t, next);
    }
    if (verb === 'STLS' && status !== '+OK') this.stlsPending = false;
    if (verb === 'CAPA' && status === '+OK' && tx.response.listing) {
      this.capabilities = new Set(tx.response.listing.map((l) => l.split(' ')[0]!.toUpperCase()));
    }
    if (verb === 'CAPA') this.judgeDeferredPipelining(tx);
    this.guard.completed(tx.spec?.verb, tx.seq, status);
    this.lastCompleted = tx;
    this.out.push({ type: 'transaction', tx });
    // The phase changes because of this transaction, so it is reported after it.
    next?.();
  }

  /**
   * A SASL security layer wraps every byte after the exchange (RFC 4422 §3.7): from here on the session is
   * opaque, as a TLS passthrough is, and its bytes are only counted.
   */
  private securityLayer(tx: OpenTransaction, t: number, then: (() => void) | null): () => void {
    return () => {
      then?.();
      this.opaque = true;
      this.sessionViolation(
        t,
        'POP3_SASL_SECURITY_LAYER',
        `${tx.sasl!.mechanism} negotiated qop=${tx.sasl!.layer}: the rest of the session is wrapped and not parsed`,
      );
    };
  }

  private phaseChange(to: Phase, at: number, reason: string): () => void {
    return () => this.setPhase(to, at, reason);
  }

  private lineViolations(tx: OpenTransaction, line: Line, who: 'client' | 'server'): void {
    if (line.ending === 'LF')
      this.addViolation(tx, 'POP3_BARE_LINE_ENDING', `the ${who} ended a line with a bare LF`);
    if (line.ending === 'none')
      this.addViolation(tx, 'POP3_BARE_LINE_ENDING', `the ${who}'s last line had no line ending`);
    if (line.bareCR > 0)
      this.addViolation(
        tx,
        'POP3_BARE_LINE_ENDING',
        `the ${who} sent ${line.bareCR} bare CR(s) inside a line`,
      );
    if (line.overflow) this.addViolation(tx, 'POP3_LINE_OVERFLOW', `${line.octets} octets in one line`);
    if (who === 'server' && line.octets > MAX_RESPONSE_LINE)
      this.addViolation(tx, 'POP3_RESPONSE_TOO_LONG', `${line.octets} octets`);
  }

  private addViolation(tx: RawTransaction, code: ViolationCode, detail?: string): void {
    addTo(tx.violations, violation(code, detail));
  }

  /** The verb whose listing body the server is sending now, or null (used by `--stls strip`). */
  listingOf(): string | null {
    return this.server.listingOf;
  }

  private sessionViolation(t: number, code: ViolationCode, detail?: string): void {
    this.out.push({ type: 'violation', t, violation: violation(code, detail) });
  }

  private setPhase(to: Phase, at: number, reason: string): void {
    const from = this.phase;
    this.phase = to;
    this.out.push({ type: 'phase', from, to, at, reason });
  }

  /**
   * Hands on what is decided, in arrival order. A line held undecided while more than MAX_HELD_BEHIND octets
   * (or MAX_EVENTS_HELD_BEHIND events) of the other side queue behind it is masked as it stands, so memory
   * stays bounded whatever a peer sends.
   */
  private drain(): ProtocolEvent[] {
    const events = this.out.flush(this.undecided());
    if (this.out.octetsBehind() <= MAX_HELD_BEHIND && this.out.eventsBehind() <= MAX_EVENTS_HELD_BEHIND)
      return events;
    if (this.out.blockedBy() === 'c2s') this.forceClientLine();
    else this.server.forceMask();
    // Not push(...rest): a megabyte of one-byte lines is a million events, too many arguments for a call.
    return events.concat(this.out.flush(this.undecided()));
  }

  private undecided(): Readonly<Record<Direction, number>> {
    if (this.ended || this.opaque) return ALL_DECIDED;
    return { c2s: this.clientUndecidedFrom(), s2c: this.server.undecidedFrom() };
  }
}

/** Nothing held: after the end, and once the stream is opaque. */
const ALL_DECIDED: Readonly<Record<Direction, number>> = {
  c2s: Number.POSITIVE_INFINITY,
  s2c: Number.POSITIVE_INFINITY,
};

/** A response not begun yet; `at` is when it began, when that is already known (a greeting). */
function awaitedResponse(at: number | null): ResponseInfo {
  return {
    status: null,
    code: null,
    text: '',
    multiline: false,
    bodyOctets: 0,
    bodyLines: 0,
    complete: false,
    at,
  };
}

function addTo(list: Violation[], v: Violation): void {
  // Bounded: a peer repeating one mistake a million times must not grow memory.
  if (
    list.length < MAX_VIOLATIONS_PER_TRANSACTION &&
    !list.some((x) => x.code === v.code && x.message === v.message)
  )
    list.push(v);
}

/** The detail of POP3_UNKNOWN_COMMAND; a line masked whole is described, never quoted. */
function unknownDetail(verb: string): string {
  if (verb === '') return 'empty line';
  if (isMasked(Buffer.from(verb, 'latin1')))
    return 'a line that may hold a credential (hidden: it came after a login step and is no known command)';
  return `"${verb}"`;
}

/** Keeps what is shown of a command bounded (a legitimate one is under 255 octets). */
function clip(text: string, max = MAX_SHOWN_COMMAND): string {
  if (text.length <= max) return text;
  // A fresh string: a plain slice would keep the whole long original alive inside V8.
  const head = Buffer.from(text.slice(0, max), 'utf8').toString('utf8');
  return `${head}… (${text.length} characters)`;
}

/** Octets of a line's ending on the wire. */
function endingLength(line: Line): number {
  return line.ending === 'CRLF' ? 2 : line.ending === 'LF' ? 1 : 0;
}

export type { CommandSpec };
