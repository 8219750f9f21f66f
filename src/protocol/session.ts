/**
 * The POP3 protocol engine for one session: bytes in (direction, chunk, timestamp), typed events out. It frames
 * both directions, pairs each response with the oldest outstanding command (pipelining, RFC 2449 §6.6), knows
 * from the command table whether a +OK starts a multi-line body, follows SASL and STLS, tracks the phase, and
 * masks secrets before anything is parsed or handed on. It does no I/O and keeps no clock: it is driven
 * identically by the live proxy, by replay and by tests. Peer misbehaviour becomes a violation, never an
 * exception.
 */

import {
  maskCommand,
  maskSaslChallenge,
  maskSaslResponse,
  secretStart,
  showCommand,
  showSaslChallenge,
  showSaslResponse,
} from './clientLines.js';
import { type CommandSpec, checkArguments, lookupCommand, type Phase } from './commands.js';
import {
  MAX_COMMAND_LINE,
  MAX_OUTSTANDING_COMMANDS,
  MAX_RESPONSE_LINE,
  MAX_SASL_STEPS,
  MAX_SHOWN_COMMAND,
  MAX_VIOLATIONS_PER_TRANSACTION,
} from './limits.js';
import { type Line, LineBuffer } from './lineBuffer.js';
import { maskInPlace } from './redact.js';
import { ServerReader } from './serverReader.js';
import { RedactingTap } from './tap.js';
import type {
  CommandInfo,
  Direction,
  ProtocolEvent,
  RawTransaction,
  ResponseInfo,
  TlsInfo,
} from './types.js';
import { type Violation, type ViolationCode, violation } from './violations.js';

/** A transaction whose response has not ended yet. */
export interface OpenTransaction extends RawTransaction {
  /** For AUTH: the decoded text of the last challenge, so LOGIN can tell "Password:" from "Username:". */
  saslChallenge: string;
  saslClientSteps: number;
}

const STAR_1 = Buffer.from('*');

export class Pop3Session {
  private readonly events: ProtocolEvent[] = [];
  private readonly taps = { c2s: new RedactingTap(), s2c: new RedactingTap() };
  private readonly clientLines = new LineBuffer();
  /** Offset in the client stream where the unfinished client line began. */
  private clientLineStart = 0;
  /** For an overflowing client line: stream offset from which it is masked, or -1. */
  private clientOverflowSecret = -1;
  private clientOverflowDecided = false;
  /** In an overflowing secret line, a CR that ended the last chunk: masked or kept once the next byte shows. */
  private clientPendingCR = -1;
  private clientInjectionFlagged = false;
  private readonly server: ServerReader;
  /** Commands waiting for their response, oldest first. */
  readonly outstanding: OpenTransaction[] = [];
  private untracked = 0;
  private seq = 0;
  /** True once the server's greeting arrived (it is the first response, whatever the client sent before it). */
  greeted = false;
  phase: Phase | null = null;
  /** Capabilities from the last CAPA (upper-case first words), or null when none was seen. */
  capabilities: Set<string> | null = null;
  /** STLS sent and not refused: cleartext is over until TLS begins. */
  private stlsPending = false;
  private opaque = false;
  private ended = false;
  private lastCompleted: RawTransaction | null = null;
  private pipeliningFlagged = false;

  /** @param digests compute a SHA-256 of every RETR/TOP body (for replay comparisons; costs some speed). */
  constructor(readonly digests = false) {
    this.server = new ServerReader(this);
  }

  /** Feeds one received chunk; returns the events it caused. Never throws on any bytes. */
  receive(dir: Direction, chunk: Uint8Array, t: number): ProtocolEvent[] {
    const bytes = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.ended || bytes.length === 0) return this.drain();
    const tap = this.taps[dir];
    const base = tap.offset;
    const mark = this.events.length;
    tap.begin(bytes, t);
    if (this.opaque) {
      this.releaseData(dir, Number.POSITIVE_INFINITY);
      return this.drain();
    }
    if (dir === 'c2s') this.receiveClient(bytes, base, t);
    else this.server.receive(bytes, base, t);
    // Sinks see the bytes before the transactions they complete.
    const parsed = this.events.splice(mark);
    this.releaseData('c2s', this.clientUndecidedFrom());
    this.releaseData('s2c', this.server.undecidedFrom());
    this.events.push(...parsed);
    return this.drain();
  }

  /** TLS began (implicit or after STLS). Decrypted: parsing starts afresh; opaque: bytes are only counted. */
  tls(info: TlsInfo, t: number): ProtocolEvent[] {
    this.stlsPending = false;
    this.clientInjectionFlagged = false;
    this.server.reset();
    // An unfinished cleartext client line is never parsed; it is hidden, as it may hold a secret.
    const unfinished = this.clientLines.pending;
    if (unfinished > 0) this.taps.c2s.mask(this.taps.c2s.offset - unfinished, Buffer.alloc(unfinished, 0x2a));
    this.clientLines.flush();
    this.clientPendingCR = -1;
    this.clientOverflowDecided = false;
    this.clientOverflowSecret = -1;
    this.clientLineStart = this.taps.c2s.offset;
    this.releaseData('c2s', Number.POSITIVE_INFINITY);
    this.opaque = info.visibility === 'opaque';
    // RFC 2595 §4: after TLS both sides forget what CAPA said.
    this.capabilities = null;
    this.events.push({ type: 'tls', t, info });
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
        this.events.push({ type: 'transaction', tx });
      }
    }
    this.ended = true;
    this.releaseData('c2s', Number.POSITIVE_INFINITY);
    this.releaseData('s2c', Number.POSITIVE_INFINITY);
    return this.drain();
  }

  // ----- client side -----

  private receiveClient(chunk: Buffer, base: number, t: number): void {
    let pos = 0;
    while (pos < chunk.length) {
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
        // They are never parsed, and hidden: a broken client may have sent its password in them.
        this.taps.c2s.mask(base + pos, Buffer.alloc(n, 0x2a));
        this.clientLineStart = base + chunk.length;
        return;
      }
      const wasOverflowing = this.clientLines.overflowing;
      const { end, line } = this.clientLines.push(chunk, pos);
      if (!line && this.clientLines.overflowing) this.overflowClient(wasOverflowing, base + pos, base + end);
      if (line) {
        this.clientLine(line, t, base + end - endingLength(line));
        this.clientLineStart = base + end;
        this.clientOverflowSecret = -1;
        this.clientOverflowDecided = false;
        this.clientPendingCR = -1;
      }
      pos = end;
    }
  }

  /**
   * A client line too long to keep: decide once what is secret, then mask every further byte as it comes. A CR
   * at the end of a chunk is held back: it is the line ending if an LF follows, and secret content if not.
   */
  private overflowClient(wasOverflowing: boolean, from: number, to: number): void {
    if (!this.clientOverflowDecided) {
      this.clientOverflowDecided = true;
      const sasl = this.saslTransaction() !== undefined;
      const start = sasl ? 0 : secretStart(this.clientLines.peek());
      this.clientOverflowSecret = start < 0 ? -1 : this.clientLineStart + start;
      if (this.clientOverflowSecret >= 0) this.maskOverflow(this.clientOverflowSecret, this.taps.c2s.offset);
      return;
    }
    if (wasOverflowing && this.clientOverflowSecret >= 0) this.maskOverflow(from, to);
  }

  private maskOverflow(from: number, to: number): void {
    const tap = this.taps.c2s;
    if (this.clientPendingCR >= 0) tap.mask(this.clientPendingCR, STAR_1);
    this.clientPendingCR = -1;
    let end = to;
    if (end > from && tap.byteAt(end - 1) === 0x0d) {
      end--;
      this.clientPendingCR = end;
    }
    if (end > from) tap.mask(from, Buffer.alloc(end - from, 0x2a));
  }

  private clientUndecidedFrom(): number {
    if (this.clientLines.pending === 0) return Number.POSITIVE_INFINITY;
    if (this.clientOverflowDecided)
      return this.clientPendingCR >= 0 ? this.clientPendingCR : Number.POSITIVE_INFINITY;
    return this.clientLineStart;
  }

  /** A finished client line; `contentEnd` is the stream offset where its line ending begins. */
  private clientLine(line: Line, t: number, contentEnd: number): void {
    const content = Buffer.from(line.content);
    const sasl = this.saslTransaction();
    if (line.overflow) {
      // Not kept whole, so not decodable: everything from where a secret may start is hidden.
      const from = sasl ? 0 : secretStart(content);
      if (from >= 0) {
        maskInPlace(content, from);
        const at = this.clientLineStart + from;
        if (contentEnd > at) this.taps.c2s.mask(at, Buffer.alloc(contentEnd - at, 0x2a));
      }
    } else if (sasl) {
      maskSaslResponse(content, sasl.sasl!.mechanism, {
        index: sasl.saslClientSteps,
        challenge: sasl.saslChallenge,
      });
    } else {
      maskCommand(content);
    }
    if (!line.overflow) this.taps.c2s.mask(this.clientLineStart, content);
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
      this.addViolation(tx, 'POP3_UNKNOWN_COMMAND', shown.verb === '' ? 'empty line' : `"${shown.verb}"`);
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
    this.events.push({ type: 'command', seq: tx.seq, command });
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

  private checkPipelining(tx: OpenTransaction): void {
    if (this.pipeliningFlagged || this.capabilities?.has('PIPELINING')) return;
    this.pipeliningFlagged = true;
    const why = this.capabilities ? 'CAPA did not list PIPELINING' : 'the client never asked CAPA';
    this.addViolation(
      tx,
      'POP3_PIPELINING_NOT_ADVERTISED',
      `${tx.command?.verb} was sent before earlier responses arrived; ${why}`,
    );
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
    this.saslStep(tx, 'client', shown.text, t);
  }

  saslStep(tx: OpenTransaction, from: 'client' | 'server', text: string, at: number): void {
    const steps = tx.sasl!.steps;
    if (steps.length < MAX_SASL_STEPS) steps.push({ from, text, at });
  }

  // ----- used by the server reader -----

  /** A server challenge inside AUTH: masked when the mechanism needs it, decoded for display. */
  serverChallenge(tx: OpenTransaction, content: Buffer, t: number): void {
    maskSaslChallenge(content, tx.sasl!.mechanism);
    const shown = showSaslChallenge(content.toString('latin1').slice(2));
    if (shown.badBase64) this.addViolation(tx, 'POP3_SASL_BAD_BASE64', 'server challenge');
    tx.saslChallenge = shown.decoded;
    this.saslStep(tx, 'server', shown.text, t);
  }

  /** Whether the server's lines are secret right now (inside AUTH with a mechanism that hides challenges). */
  serverLinesSecret(): boolean {
    const sasl = this.outstanding[0]?.sasl;
    return sasl !== undefined && sasl.outcome === null;
  }

  maskServer(at: number, content: Buffer): void {
    this.taps.s2c.mask(at, content);
  }

  /** Opens the greeting transaction, or one for data nobody asked for. */
  unsolicited(t: number): OpenTransaction {
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
  responseBegins(tx: OpenTransaction): void {
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
  complete(tx: OpenTransaction, t: number): void {
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
    }
    if (verb === 'STLS' && status !== '+OK') this.stlsPending = false;
    if (verb === 'CAPA' && status === '+OK' && tx.response.listing) {
      this.capabilities = new Set(tx.response.listing.map((l) => l.split(' ')[0]!.toUpperCase()));
    }
    this.lastCompleted = tx;
    this.events.push({ type: 'transaction', tx });
    // The phase changes because of this transaction, so it is reported after it.
    next?.();
  }

  private phaseChange(to: Phase, at: number, reason: string): () => void {
    return () => this.setPhase(to, at, reason);
  }

  /** True when STLS got +OK and the server side must now wait for TLS. */
  stlsAccepted(tx: OpenTransaction): boolean {
    return tx.command?.verb === 'STLS' && tx.response.status === '+OK';
  }

  lineViolations(tx: OpenTransaction, line: Line, who: 'client' | 'server'): void {
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

  addViolation(tx: RawTransaction, code: ViolationCode, detail?: string): void {
    addTo(tx.violations, violation(code, detail));
  }

  /** The verb whose listing body the server is sending now, or null (used by `--stls strip`). */
  listingOf(): string | null {
    return this.server.listingOf;
  }

  /** The stream offset of the next client or server byte (where the current chunk ends). */
  offset(dir: Direction): number {
    return this.taps[dir].offset;
  }

  sessionViolation(t: number, code: ViolationCode, detail?: string): void {
    this.events.push({ type: 'violation', t, violation: violation(code, detail) });
  }

  private setPhase(to: Phase, at: number, reason: string): void {
    const from = this.phase;
    this.phase = to;
    this.events.push({ type: 'phase', from, to, at, reason });
  }

  private releaseData(dir: Direction, undecidedFrom: number): void {
    for (const { t, bytes } of this.taps[dir].release(undecidedFrom))
      this.events.push({ type: 'data', dir, t, bytes });
  }

  private drain(): ProtocolEvent[] {
    return this.events.splice(0);
  }
}

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
