/**
 * The POP3 protocol engine for one session: bytes in (direction, chunk, timestamp), typed events out. It frames
 * both directions, pairs each response with the oldest outstanding command (pipelining, RFC 2449 §6.6), knows
 * from the command table whether a +OK starts a multi-line body, follows SASL and STLS, tracks the phase, and
 * masks secrets before anything is parsed or handed on. It does no I/O and keeps no clock: it is driven
 * identically by the live proxy, by replay and by tests. Peer misbehaviour becomes a violation, never an
 * exception.
 *
 * The parts live beside it: the client side in clientReader.ts, the server side in serverReader.ts (each sees
 * this session only through its host interface), AUTH in saslExchange.ts, the PIPELINING check in
 * pipelining.ts, and every phase rule in the command table (commands.ts), which this file only applies.
 */

import { counted } from '../words.js';
import { ClientReader, type ClientReaderHost } from './clientReader.js';
import { shownCommand, unknownDetail } from './commandLine.js';
import {
  type CommandSpec,
  checkArguments,
  GREETING,
  lookupCommand,
  type Phase,
  transitionOf,
} from './commands.js';
import {
  MAX_COMMAND_LINE,
  MAX_EVENTS_HELD_BEHIND,
  MAX_HELD_BEHIND,
  MAX_OUTSTANDING_COMMANDS,
} from './limits.js';
import type { Line } from './lineBuffer.js';
import { OrderedOutput } from './output.js';
import { PipeliningCheck } from './pipelining.js';
import { openSasl, recordSaslStep, saslClientStep, saslOpen, settleSasl } from './saslExchange.js';
import type { LineContext } from './secrecy.js';
import { SecretGuard } from './secretGuard.js';
import { ServerReader, type ServerReaderHost } from './serverReader.js';
import { RedactingTap } from './tap.js';
import { addViolation, awaitedResponse, lineViolations, type OpenTransaction } from './transaction.js';
import type { CommandInfo, Direction, ProtocolEvent, RawTransaction, TlsInfo } from './types.js';
import { type ViolationCode, violation } from './violations.js';

export class Pop3Session {
  private readonly taps = { c2s: new RedactingTap(), s2c: new RedactingTap() };
  /** Everything handed on, in arrival order (chunks held while undecided, the events they caused behind). */
  private readonly out = new OrderedOutput(this.taps);
  /** Whether a bare client line may be a credential now. */
  readonly guard = new SecretGuard();
  private readonly client: ClientReader;
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
  /** The capture began mid-session: the first command with a known verb says which phase it is. */
  private inferPhase = false;
  private readonly pipelining = new PipeliningCheck();

  /** @param digests compute a SHA-256 of every RETR/TOP body (for replay comparisons; costs some speed). */
  constructor(readonly digests = false) {
    this.client = new ClientReader(this.taps.c2s, this.clientHost());
    this.server = new ServerReader(this.taps.s2c, this.serverHost());
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
    if (dir === 'c2s') this.client.receive(bytes, base, t);
    else this.server.receive(bytes, base, t);
    return this.drain();
  }

  /** TLS began (implicit or after STLS). Decrypted: parsing starts afresh; opaque: bytes are only counted. */
  tls(info: TlsInfo, t: number): ProtocolEvent[] {
    this.stlsPending = false;
    this.server.reset();
    this.client.reset();
    this.opaque = info.visibility === 'opaque';
    // RFC 2595 §4: after TLS both sides forget what CAPA said.
    this.capabilities = null;
    this.out.push({ type: 'tls', t, info });
    return this.drain();
  }

  /**
   * `octets` of direction `dir` were never captured (a packet trace lost them). The engine is told, never
   * given invented bytes: each reader resynchronises at the next line it can trust (clientReader.lost,
   * serverReader.lost), and the hole is reported where it is.
   */
  lost(dir: Direction, octets: number, t: number): ProtocolEvent[] {
    if (this.ended || this.opaque || octets <= 0) return this.drain();
    const who = dir === 'c2s' ? "client's" : "server's";
    const inBody = dir === 's2c' && this.server.inBody;
    this.sessionViolation(
      t,
      'POP3_TRACE_GAP',
      `${counted(octets, 'octet')} of the ${who} stream ${octets === 1 ? 'is' : 'are'} not in the capture${inBody ? ' (inside a message body, counted as body)' : '; pop3scope resumes at the next line it can trust'}`,
    );
    if (dir === 'c2s') this.client.lost(t);
    else this.server.lost(octets, t);
    return this.drain();
  }

  /**
   * The capture began inside the connection (no handshake, no greeting): the first line of each side may be
   * the tail of one never seen, so it is not parsed, and the phase is unknown until a command shows it.
   */
  midStream(t: number): ProtocolEvent[] {
    if (this.greeted || this.ended) return this.drain();
    this.greeted = true;
    this.inferPhase = true;
    this.client.beginUnsure();
    this.server.resync();
    this.sessionViolation(
      t,
      'POP3_TRACE_MIDSTREAM',
      'no greeting; the first line of each side is not parsed, and the phase is taken from the first command',
    );
    return this.drain();
  }

  /** The connection ended: unfinished lines and responses are settled and reported. */
  close(t: number): ProtocolEvent[] {
    if (this.ended) return this.drain();
    if (!this.opaque) {
      this.client.close(t);
      this.server.close(t);
      for (const tx of this.outstanding.splice(0)) {
        tx.endedAt = t;
        addViolation(tx, 'POP3_NO_RESPONSE', `${tx.command?.verb ?? 'greeting'} got no response`);
        this.out.push({ type: 'transaction', tx });
      }
    }
    this.ended = true;
    return this.drain();
  }

  /** The verb whose listing body the server is sending now, or null (used by `--stls strip`). */
  listingOf(): string | null {
    return this.server.listingOf;
  }

  /** Records one step of the AUTH exchange `tx` (kept for the API; the exchange lives in saslExchange.ts). */
  saslStep(tx: OpenTransaction, from: 'client' | 'server', text: string, at: number): void {
    recordSaslStep(tx, from, text, at);
  }

  /** What the client reader may see and do of this session (it never sees the session itself). */
  private clientHost(): ClientReaderHost {
    return {
      opaqueNow: () => this.opaque,
      stlsPending: () => this.stlsPending,
      saslTransaction: () => this.saslTransaction(),
      lineContext: () => this.lineContext(),
      continuation: () => this.guard.continuation(this.seq),
      sessionViolation: (t, code, detail) => this.sessionViolation(t, code, detail),
      command: (line, masked, t, start) => this.command(line, masked, t, start),
      saslResponse: (tx, line, masked, t) => {
        lineViolations(tx, line, 'client');
        saslClientStep(tx, masked, t);
      },
    };
  }

  /** What the server reader may see and do of this session. */
  private serverHost(): ServerReaderHost {
    return {
      digests: this.digests,
      opaqueNow: () => this.opaque,
      answering: (t) => this.answering(t),
      awaitingResponse: () => this.outstanding.length > 0,
      // Inside AUTH the server's lines may be secret (for the mechanisms that hide challenges).
      serverLinesSecret: () => saslOpen(this.outstanding[0]),
      continuation: () => this.guard.continuation(this.seq),
      sessionViolation: (t, code, detail) => this.sessionViolation(t, code, detail),
      responseBegins: (tx) => this.responseBegins(tx),
      complete: (tx, t) => this.complete(tx, t),
    };
  }

  /** What a client line's secrecy depends on besides its bytes. */
  private lineContext(): LineContext {
    return {
      guarded: this.guard.armed,
      authorization: this.phase === null || this.phase === 'AUTHORIZATION',
    };
  }

  /** The AUTH exchange in progress, if the client's next line belongs to it (RFC 5034: AUTH is lock-step). */
  private saslTransaction(): OpenTransaction | undefined {
    const last = this.outstanding[this.outstanding.length - 1];
    return saslOpen(last) ? last : undefined;
  }

  /** A finished, masked command line that began at stream offset `start`: a new transaction. */
  private command(line: Line, masked: Buffer, t: number, start: number): void {
    const shown = shownCommand(line, masked);
    const spec = lookupCommand(shown.verb);
    if (this.inferPhase && this.phase === null && spec) this.phaseFrom(spec, t);
    const pipelined = this.outstanding.length > 0 || !this.greeted;
    const command: CommandInfo = {
      verb: shown.verb,
      args: shown.args,
      line: shown.line,
      octets: line.octets,
      at: t,
      pipelined,
    };
    const tx = this.open(t, command, spec, start, start + line.octets);
    lineViolations(tx, line, 'client');
    if (line.octets > MAX_COMMAND_LINE) addViolation(tx, 'POP3_COMMAND_TOO_LONG', `${line.octets} octets`);
    if (!spec) {
      addViolation(tx, 'POP3_UNKNOWN_COMMAND', unknownDetail(shown.verb));
    } else {
      const problem = checkArguments(spec, shown.rawArgs);
      if (problem) addViolation(tx, 'POP3_INVALID_ARGUMENT', problem);
    }
    if (pipelined && this.greeted) this.pipelining.check(tx, this.outstanding, this.capabilities);
    if (spec?.verb === 'AUTH' && shown.rawArgs.length > 0) openSasl(tx, shown.rawArgs, t);
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

  /** A new transaction: a command's (with its client span), or the greeting's or unsolicited data's. */
  private open(
    t: number,
    command: CommandInfo | null,
    spec: CommandSpec | undefined,
    c2sStart = -1,
    c2sEnd = -1,
  ): OpenTransaction {
    const greeting = command === null && !this.greeted;
    return {
      seq: greeting ? 0 : ++this.seq,
      phase: this.phase ?? GREETING.to,
      command,
      spec,
      response: awaitedResponse(command === null ? t : null),
      wire: { c2sStart, c2sEnd, s2cStart: -1, s2cEnd: -1 },
      violations: [],
      startedAt: t,
      endedAt: t,
      saslChallenge: '',
      saslClientSteps: 0,
    };
  }

  /**
   * The transaction a server status line answers. The greeting comes first even when the client spoke before
   * it (commands sent early wait their turn).
   */
  private answering(t: number): OpenTransaction {
    return this.greeted ? (this.outstanding[0] ?? this.unsolicited(t)) : this.unsolicited(t);
  }

  /** Opens the greeting transaction, or one for data nobody asked for. */
  private unsolicited(t: number): OpenTransaction {
    const tx = this.open(t, null, undefined);
    if (this.greeted) addViolation(tx, 'POP3_UNEXPECTED_DATA');
    this.greeted = true;
    return tx;
  }

  /**
   * A response begins: what depends on the phase the server processed the command in is settled now, because
   * with pipelining that phase is only known now. The rules (valid phases, what must come before) are the
   * command table's.
   */
  private responseBegins(tx: OpenTransaction): void {
    tx.phase = this.phase ?? GREETING.to;
    const spec = tx.spec;
    if (!spec || !tx.command) return;
    if (this.phase && !spec.phases.includes(this.phase)) {
      addViolation(tx, 'POP3_WRONG_STATE', `${spec.verb} is not valid in ${this.phase}`);
    }
    const before = spec.after;
    if (before) {
      const prev = this.lastCompleted;
      if (!(prev?.command?.verb === before.verb && prev.response.status === '+OK')) {
        addViolation(
          tx,
          before.violation,
          prev?.command?.verb === before.verb
            ? `${before.verb} was refused`
            : `no ${before.verb} came before`,
        );
      }
    }
  }

  /** A response ended (or was cut short): the phase change the table says, STLS, and the transaction event. */
  private complete(tx: OpenTransaction, t: number): void {
    tx.endedAt = t;
    const index = this.outstanding.indexOf(tx);
    if (index !== -1) this.outstanding.splice(index, 1);
    const status = tx.response.status;
    const verb = tx.command?.verb;
    let next: (() => void) | null = null;
    if (tx.seq === 0 && tx.command === null) {
      if (status === '+OK') next = () => this.setPhase(GREETING.to, t, GREETING.reason);
      else addViolation(tx, 'POP3_GREETING_REFUSED', tx.response.text);
    } else if (tx.spec && tx.command && this.phase && status !== null) {
      const change = transitionOf(tx.spec, this.phase, tx.command.args);
      const fires = change?.on === 'answer' || (status === '+OK' && tx.response.complete);
      if (change && fires) {
        const reason =
          status === '+OK' ? `${verb} ${change.reason}` : `${verb} answered -ERR: ${tx.response.text}`;
        next = () => this.setPhase(change.to, t, reason);
      }
    }
    if (tx.sasl && tx.sasl.outcome === null && status !== null && settleSasl(tx, status))
      next = this.securityLayer(tx, t, next);
    if (verb === 'STLS' && status !== '+OK') this.stlsPending = false;
    if (verb === 'CAPA' && status === '+OK' && tx.response.listing) {
      this.capabilities = new Set(tx.response.listing.map((l) => l.split(' ')[0]!.toUpperCase()));
    }
    if (verb === 'CAPA') this.pipelining.judge(tx, this.outstanding, this.capabilities);
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

  private sessionViolation(t: number, code: ViolationCode, detail?: string): void {
    this.out.push({ type: 'violation', t, violation: violation(code, detail) });
  }

  /** Mid-session: a command valid in TRANSACTION says the login is done; one valid only before it, that it is not. */
  private phaseFrom(spec: CommandSpec, t: number): void {
    this.inferPhase = false;
    const to: Phase = spec.phases.includes('TRANSACTION')
      ? 'TRANSACTION'
      : (spec.phases[0] ?? 'AUTHORIZATION');
    this.setPhase(to, t, `the capture began mid-session; ${spec.verb} is sent in ${to}`);
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
    if (this.out.blockedBy() === 'c2s') this.client.force();
    else this.server.forceMask();
    // Not push(...rest): a megabyte of one-byte lines is a million events, too many arguments for a call.
    return events.concat(this.out.flush(this.undecided()));
  }

  private undecided(): Readonly<Record<Direction, number>> {
    if (this.ended || this.opaque) return ALL_DECIDED;
    return { c2s: this.client.undecidedFrom(), s2c: this.server.undecidedFrom() };
  }
}

/** Nothing held: after the end, and once the stream is opaque. */
const ALL_DECIDED: Readonly<Record<Direction, number>> = {
  c2s: Number.POSITIVE_INFINITY,
  s2c: Number.POSITIVE_INFINITY,
};

export type { CommandSpec };
