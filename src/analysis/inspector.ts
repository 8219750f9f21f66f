/**
 * The engine as every driver uses it: one Inspector per session. Bytes in, annotated events out. It runs the
 * protocol engine, then annotates each finished transaction (explanation, RFC section, model checks), keeps
 * the mailbox model and the summary facts, and ends with exactly one `summary` event. Sans-IO: the caller
 * supplies every timestamp.
 */
import { Pop3Session } from '../protocol/session.js';
import type { Direction, RawTransaction, TlsInfo } from '../protocol/types.js';
import { type ViolationCode, violation } from '../protocol/violations.js';
import { explain } from './explain.js';
import { Mailbox } from './mailbox.js';
import { applyToMailbox } from './model.js';
import { ReactionWatch } from './reactions.js';
import { SummaryFacts, summarize } from './summary.js';
import type { EngineEvent, Response, Transaction } from './types.js';

/** A Response being built: its optional fields are set after the literal. */
type Writable<T> = { -readonly [K in keyof T]: T[K] };

export interface SessionOpen {
  readonly client?: string | null;
  readonly upstream?: string | null;
  /** The session started in TLS (port 995): the decrypted stream is what the engine sees. */
  readonly tls?: 'none' | 'implicit';
  /** Compute a SHA-256 of every RETR/TOP body (replay compares bodies by digest). */
  readonly digests?: boolean;
}

export class Inspector {
  readonly mailbox = new Mailbox();
  private readonly protocol: Pop3Session;
  private readonly facts = new SummaryFacts();
  /** What the client did about injected faults (reactions.ts). */
  private readonly reactions = new ReactionWatch();
  private ended = false;

  constructor(
    readonly session: string,
    private readonly open: SessionOpen = {},
    t?: number,
  ) {
    this.protocol = new Pop3Session(open.digests ?? false);
    if (t !== undefined) this.facts.seen(t);
    if (open.tls === 'implicit') this.facts.tls = 'implicit';
  }

  /** The phase the session is in now (null before the greeting). */
  get phase() {
    return this.protocol.phase;
  }

  /** The verb whose listing body the server is sending now (CAPA, LIST, ...), or null. */
  listingOf(): string | null {
    return this.protocol.listingOf();
  }

  /** Reports something the proxy itself did to the session (a session-level violation). */
  report(code: ViolationCode, detail: string, t: number): EngineEvent[] {
    if (this.ended) return [];
    const v = violation(code, detail);
    this.facts.count(v);
    return [{ type: 'violation', session: this.session, t, violation: v }];
  }

  /**
   * A fault pop3scope injected (a --fault rule fired; faults/types.ts): shown as pop3scope's own doing and
   * counted in the summary, never fed to the protocol engine as the server's.
   */
  injected(
    info: { readonly rule: string; readonly on: string; readonly what: string },
    t: number,
  ): EngineEvent[] {
    if (this.ended) return [];
    this.facts.seen(t);
    this.facts.injected++;
    this.reactions.injected(info.rule, info.on);
    return [{ type: 'injected', session: this.session, t, rule: info.rule, on: info.on, what: info.what }];
  }

  /** Feeds a received chunk. Never throws, whatever the bytes. */
  receive(dir: Direction, chunk: Uint8Array, t: number): EngineEvent[] {
    if (this.ended) return [];
    this.facts.seen(t);
    this.facts.bytes[dir] += chunk.length;
    return this.annotate(this.protocol.receive(dir, chunk, t));
  }

  /** `octets` of `dir` were never captured (a packet trace lost them): the engine resynchronises. */
  lost(dir: Direction, octets: number, t: number): EngineEvent[] {
    if (this.ended) return [];
    this.facts.seen(t);
    return this.annotate(this.protocol.lost(dir, octets, t));
  }

  /** The capture began inside the connection: no greeting, and the phase comes from the first command. */
  midStream(t: number): EngineEvent[] {
    if (this.ended) return [];
    this.facts.seen(t);
    return this.annotate(this.protocol.midStream(t));
  }

  /** TLS began on the connection. */
  tls(info: TlsInfo, t: number): EngineEvent[] {
    if (this.ended) return [];
    this.facts.seen(t);
    if (info.visibility === 'opaque') this.facts.tls = 'opaque';
    else if (this.facts.tls === 'none') this.facts.tls = info.how;
    return this.annotate(this.protocol.tls(info, t));
  }

  /** The connection ended. Returns the last events, the summary last of all. */
  close(t: number, by: string | null = null, reason: string | null = null): EngineEvent[] {
    if (this.ended) return [];
    this.facts.seen(t);
    const events = this.annotate(this.protocol.close(t));
    for (const r of this.reactions.close(by)) events.push(...this.report(r.code, r.detail, t));
    this.ended = true;
    const marked = this.mailbox.numbers((m) => m.marked);
    if (!this.mailbox.updated && marked.length > 0) {
      const v = violation(
        'POP3_NO_UPDATE',
        `${marked.length === 1 ? 'message' : 'messages'} ${marked.join(', ')} ${marked.length === 1 ? 'stays' : 'stay'} on the server`,
      );
      this.facts.count(v);
      events.push({ type: 'violation', session: this.session, t, violation: v });
    }
    const summary = summarize(
      this.session,
      this.facts,
      this.mailbox,
      { client: this.open.client ?? null, upstream: this.open.upstream ?? null },
      { t, by, reason },
    );
    events.push({ type: 'summary', session: this.session, summary });
    return events;
  }

  // Each event is built as a literal of one fixed shape (session last, as a spread would put it): a spread of
  // the protocol event cost a fifth of the engine's time on short commands.
  private annotate(events: ReturnType<Pop3Session['receive']>): EngineEvent[] {
    const session = this.session;
    const out: EngineEvent[] = [];
    for (const e of events) {
      switch (e.type) {
        case 'data':
          out.push({ type: 'data', dir: e.dir, t: e.t, bytes: e.bytes, session });
          break;
        case 'transaction':
          out.push({ type: 'transaction', session, tx: this.finish(e.tx) });
          break;
        case 'phase':
          this.facts.phases.push({ phase: e.to, at: e.at });
          out.push({ type: 'phase', from: e.from, to: e.to, at: e.at, reason: e.reason, session });
          break;
        case 'violation':
          this.facts.count(e.violation);
          out.push({ type: 'violation', t: e.t, violation: e.violation, session });
          break;
        case 'command':
          this.facts.commands++;
          out.push({ type: 'command', seq: e.seq, command: e.command, session });
          for (const r of this.reactions.command(e.command.verb, e.command.args))
            out.push(...this.report(r.code, r.detail, e.command.at));
          break;
        case 'tls':
          out.push({ type: 'tls', t: e.t, info: e.info, session });
          break;
      }
    }
    return out;
  }

  // Every object here is a literal of one fixed shape, a response's optional fields assigned after it in their
  // place at the end (JSON keeps the order): spreads of optional parts made V8 build this object's shape at run
  // time, and one of its field checks failed every few hundred NOOPs, deoptimizing and recompiling finish.
  private finish(raw: RawTransaction): Transaction {
    for (const v of applyToMailbox(raw, this.mailbox)) raw.violations.push(v);
    this.facts.learn(raw);
    for (const v of raw.violations) this.facts.count(v);
    const r = raw.response;
    const response: Writable<Response> = {
      status: r.status,
      code: r.code,
      text: r.text,
      multiline: r.multiline,
      bodyOctets: r.bodyOctets,
      bodyLines: r.bodyLines,
      complete: r.complete,
    };
    if (r.preview) response.preview = r.preview.toString('utf8');
    if (r.listing) response.listing = r.listing;
    if (r.digest) response.digest = r.digest;
    const w = raw.wire;
    const wire = { c2sStart: w.c2sStart, c2sEnd: w.c2sEnd, s2cStart: w.s2cStart, s2cEnd: w.s2cEnd };
    const latencyMs = raw.command ? raw.endedAt - raw.startedAt : null;
    const explained = explain(raw, this.mailbox);
    const rfc = raw.spec?.rfc ?? (raw.seq === 0 && !raw.command ? 'RFC 1939 §4' : 'RFC 1939 §3');
    const { session } = this;
    const { seq, phase, command, startedAt, endedAt, violations } = raw;
    // One shape for every transaction: sasl is undefined when there is none, which JSON leaves out, so the
    // output is what it always was (sasl before the times).
    return {
      session,
      seq,
      phase,
      command,
      response,
      wire,
      sasl: raw.sasl,
      startedAt,
      endedAt,
      latencyMs,
      explain: explained,
      rfc,
      violations,
    };
  }
}
