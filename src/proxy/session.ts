/**
 * One proxied connection: dials the upstream, relays bytes both ways untouched, feeds both directions to the
 * engine beside the relay, and reports everything through the hooks. With TLS it terminates TLS on each side
 * (implicit TLS, or STLS intercepted: the proxy sends STLS upstream and answers the client only once the
 * upstream said +OK and its handshake succeeded). It ends with exactly one `close` hook, whoever ends it.
 */
import net from 'node:net';
import type tls from 'node:tls';
import { Inspector } from '../analysis/inspector.js';
import type { EngineEvent } from '../analysis/types.js';
import { actionEvents, type ProxyAction, uncleanTlsEvents } from '../capture/actions.js';
import type { SessionEnd } from '../events.js';
import { MAX_GATED_LINE } from '../protocol/limits.js';
import type { Hooks } from './hooks.js';
import { pipeSide, type RelayHandlers, type Side } from './relay.js';
import { acceptTls, connectTls, NO_TLS, type ProxyTlsOptions, stlsLineEnd, tlsFacts } from './tls.js';
import type { RecordWatch } from './tlsEnd.js';

export interface Upstream {
  readonly host: string;
  readonly port: number;
}

export interface ProxySessionOptions {
  readonly id: string;
  readonly upstream: Upstream;
  readonly connectTimeoutMs: number;
  /** How long a connected upstream may take to greet before pop3scope answers the client itself; 0: no limit. */
  readonly greetingTimeoutMs?: number;
  readonly hooks: Hooks;
  readonly now: () => number;
  readonly tls?: ProxyTlsOptions;
  /** Dials the upstream; replaceable in tests. */
  readonly dial?: (upstream: Upstream) => net.Socket;
}

export function formatAddress(host: string | undefined, port: number | undefined): string {
  if (!host) return '?';
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * A client's STLS command line, as `--stls strip` refuses it: the verb alone (any case, blanks around it). Only
 * such a line is kept from the server, so nothing kept can be a secret.
 */
const STLS_LINE = /^[ \t]*stls[ \t]*\r?\n$/i;

const TRUST_HINT = 'make the client trust pop3scope\'s CA: see "pop3scope ca show"';

/** The client closed its connection before its TLS handshake completed: its own doing, not a TLS failure. */
class ClientLeft extends Error {
  constructor(readonly when: 'before' | 'during') {
    super(`the client closed the connection ${when} the TLS handshake`);
  }
}

export class ProxySession {
  readonly inspector: Inspector;
  private client: net.Socket;
  private upstreamSocket: net.Socket | null = null;
  /** Under upstream TLS: the stream beneath it, which sees how the server ends TLS. */
  private upstreamWatch: RecordWatch | null = null;
  private ended: SessionEnd | null = null;
  private firstEnd: Side | null = null;
  private readonly clientAddress: string;
  private readonly tlsOptions: ProxyTlsOptions;
  /** Relay handlers per direction: a gate is installed only where STLS needs the proxy to take part. */
  private readonly fromClient: RelayHandlers;
  private readonly fromUpstream: RelayHandlers;
  private stops: (() => void)[] = [];
  /** While STLS is negotiated: the server bytes held until its answer line is complete. */
  private stlsAnswer: Buffer | null = null;
  private clientFacts: Record<string, unknown> | null = null;
  /** `--stls strip`: the unfinished server line, held until it can be checked. */
  private stripHeld: Buffer = Buffer.alloc(0);
  /** Whether the client's last chunk ended a line (so the next one starts a new command). */
  private clientAtLineStart = true;
  private stripClientHeld: Buffer = Buffer.alloc(0);
  private greetingTimer: NodeJS.Timeout | null = null;
  /** The server answered QUIT: its close then ends the session, even if the client keeps its side open. */
  private quitAnswered = false;
  readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(
    private readonly rawClient: net.Socket,
    private readonly o: ProxySessionOptions,
  ) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    this.client = rawClient;
    this.tlsOptions = o.tls ?? NO_TLS;
    this.clientAddress = formatAddress(rawClient.remoteAddress, rawClient.remotePort);
    const t = o.now();
    const upstream = formatAddress(o.upstream.host, o.upstream.port);
    const implicit = this.tlsOptions.listenTls || this.tlsOptions.upstreamTls ? 'implicit' : 'none';
    this.inspector = new Inspector(o.id, { client: this.clientAddress, upstream, tls: implicit }, t);
    o.hooks.open({ session: o.id, t, client: this.clientAddress, upstream, tls: implicit });
    const handlers = (): RelayHandlers => ({
      inspect: (from, chunk) => this.feed(from === 'client' ? 'c2s' : 's2c', chunk),
      // A sink that cannot keep up (the capture's file) slows the relay instead of dropping records.
      pressure: () => this.o.hooks.pressure(),
      ended: (from) => {
        this.firstEnd ??= from;
        // A client such as `nc -C` keeps its side open after QUIT: the session is over all the same.
        if (from === 'upstream' && this.quitAnswered) this.finish('server', 'the server closed after QUIT');
      },
    });
    this.fromClient = handlers();
    this.fromUpstream = handlers();
    if (this.tlsOptions.stls === 'intercept' && implicit === 'none')
      this.fromClient.gate = (_from, chunk) => this.clientGate(chunk);
    if (this.tlsOptions.stls === 'strip' && implicit === 'none') {
      this.fromClient.gate = (_from, chunk) => this.stripClient(chunk);
      this.fromUpstream.gate = (_from, chunk) => this.stripUpstream(chunk);
    }
    // Nothing from the client is read until the upstream answers: no byte is lost or reordered.
    rawClient.pause();
    rawClient.on('error', this.clientFailed);
    rawClient.on('close', () =>
      this.finish(this.firstEnd === 'upstream' ? 'server' : 'client', 'client closed the connection'),
    );
    void this.start();
  }

  get id(): string {
    return this.o.id;
  }

  /** Closes both sides now (shutdown). */
  abort(reason: string): void {
    this.finish('proxy', reason, true);
  }

  private async start(): Promise<void> {
    if (this.tlsOptions.listenTls) {
      try {
        this.client = await this.handshakeClient(this.rawClient);
        // After the handshake, an error on the TLS layer (not the TCP socket) must end the session too.
        this.client.on('error', this.clientFailed);
      } catch (error) {
        if (error instanceof ClientLeft) this.finish('client', error.message, true);
        else this.finish('proxy', `TLS with the client failed: ${clientTlsFailure(error as Error)}`, true);
        return;
      }
    }
    this.connect();
  }

  private handshakeClient(raw: net.Socket): Promise<tls.TLSSocket> {
    const { host } = this.o.upstream;
    const names = [host, 'localhost', '127.0.0.1', ...(net.isIP(host) ? [] : [])];
    return this.tlsOptions.ca!()
      .then((ca) => acceptTls(raw, ca, names, this.tlsOptions.keylog))
      .then(
        (socket) =>
          new Promise<tls.TLSSocket>((resolve, reject) => {
            const timer = this.handshakeTimer(socket);
            // Until the handshake is done nobody reads the socket, so its end would never be seen: read(0)
            // on 'readable' lets an end be emitted (and the socket close) without taking any data.
            const seeEnd = () => socket.read(0);
            socket.on('readable', seeEnd);
            socket.once('secure', () => {
              clearTimeout(timer);
              socket.off('readable', seeEnd);
              socket.off('end', left);
              socket.off('close', left);
              this.clientFacts = tlsFacts(socket, 'client');
              resolve(socket);
            });
            socket.once('error', (error) => {
              clearTimeout(timer);
              reject(error);
            });
            // A client that leaves before its handshake is done (a port probe, a client giving up) ends the
            // session now: without this, nothing would settle until the handshake timer.
            const left = () => {
              clearTimeout(timer);
              reject(new ClientLeft(raw.bytesRead > 0 ? 'during' : 'before'));
            };
            socket.once('end', left);
            socket.once('close', left);
            raw.resume();
          }),
      );
  }

  private connect(): void {
    const { upstream, connectTimeoutMs } = this.o;
    const t = this.tlsOptions;
    const raw = this.o.dial
      ? this.o.dial(upstream)
      : net.connect({ host: upstream.host, port: upstream.port, allowHalfOpen: true });
    // Implicit TLS starts once TCP is up, over a RecordWatch that tells how the server ends it (tlsEnd.ts).
    const implicitTls = t.upstreamTls && !this.o.dial;
    this.upstreamSocket = raw;
    raw.setNoDelay(true);
    this.rawClient.setNoDelay(true);
    const timer = setTimeout(
      () => this.upstreamSocket?.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })),
      connectTimeoutMs,
    );
    let connected = false;
    let reached = false;
    const ready = (socket: net.Socket) => {
      connected = true;
      clearTimeout(timer);
      if (t.upstreamTls || t.listenTls) this.tlsBegan('implicit', socket as tls.TLSSocket);
      this.relay(this.client, socket);
      this.awaitGreeting();
    };
    const failed = (error: Error) => {
      clearTimeout(timer);
      if (!connected && !this.ended) this.unreachable(error, reached);
      else this.serverFailed(error);
    };
    raw.once('connect', () => {
      reached = true;
      if (!implicitTls) return ready(raw);
      const { secure, watch } = connectTls(t, upstream.host, raw);
      this.upstreamWatch = watch;
      this.upstreamSocket = secure;
      secure.once('secureConnect', () => ready(secure));
      secure.on('error', failed);
    });
    raw.on('error', failed);
  }

  private tlsBegan(how: 'implicit' | 'stls', upstream: tls.TLSSocket): void {
    const facts: Record<string, unknown> = {};
    if (this.clientFacts) facts.client = this.clientFacts;
    if (how === 'stls' || this.tlsOptions.upstreamTls) facts.upstream = tlsFacts(upstream, 'upstream');
    if (this.tlsOptions.insecureUpstream) facts.insecureUpstream = true;
    this.emit(this.inspector.tls({ how, visibility: 'decrypted', ...facts }, this.o.now()));
  }

  private relay(client: net.Socket, upstream: net.Socket): void {
    this.stops = [
      pipeSide('client', client, upstream, this.fromClient),
      pipeSide('upstream', upstream, client, this.fromUpstream),
    ];
    upstream.on('close', () =>
      this.finish(this.firstEnd === 'client' ? 'client' : 'server', 'server closed the connection'),
    );
    client.resume();
  }

  /**
   * STLS intercept, before TLS: client chunks are inspected first and forwarded only up to the end of an STLS
   * line; then nothing more goes up until the server answered. The server's answer line is held: on +OK the
   * proxy does TLS with the server first and only then passes the +OK on and does TLS with the client.
   * Bytes after STLS or after its +OK are flagged by the engine and never forwarded. Server chunks pass
   * untouched (and are inspected after forwarding) except while an STLS answer is awaited.
   */
  private clientGate(chunk: Buffer): Buffer | null {
    if (this.stlsAnswer) {
      this.feed('c2s', chunk);
      return null;
    }
    // The common case costs nothing extra: a chunk that starts a fresh line and holds no "STLS" cannot start
    // TLS, so it is forwarded first and inspected after, like any relayed chunk.
    const freshLine = this.clientAtLineStart;
    this.clientAtLineStart = chunk[chunk.length - 1] === 0x0a;
    if (freshLine && !/stls/i.test(chunk.toString('latin1'))) {
      this.fromClient.forwardThenInspect = true;
      return chunk;
    }
    const sawStls = this.feed('c2s', chunk).some((e) => e.type === 'command' && e.command.verb === 'STLS');
    if (!sawStls) return chunk;
    this.stlsAnswer = Buffer.alloc(0);
    this.fromUpstream.gate = (_from, c) => this.upstreamGate(c);
    return chunk.subarray(0, stlsLineEnd(chunk));
  }

  /**
   * Only while STLS waits for its answer. Answers to commands pipelined before STLS still come first, so the
   * server stream is taken line by line and passed on until the engine pairs a response with STLS: that line
   * is held, and on +OK the proxy upgrades both sides; what follows it is never forwarded.
   */
  private upstreamGate(chunk: Buffer): Buffer | null {
    const data = this.stlsAnswer?.length ? Buffer.concat([this.stlsAnswer, chunk]) : chunk;
    const out: Buffer[] = [];
    let pos = 0;
    for (let lf = data.indexOf(0x0a); lf !== -1; lf = data.indexOf(0x0a, pos)) {
      const line = data.subarray(pos, lf + 1);
      pos = lf + 1;
      const answer = this.feed('s2c', line).find(
        (e) => e.type === 'transaction' && e.tx.command?.verb === 'STLS',
      );
      if (!answer) {
        out.push(line);
        continue;
      }
      this.stlsAnswer = null;
      this.fromUpstream.gate = undefined;
      const rest = data.subarray(pos);
      if (answer.type === 'transaction' && answer.tx.response.status === '+OK') {
        // Bytes after the +OK are fed (the engine flags them) but never reach the client.
        if (rest.length) this.feed('s2c', rest);
        void this.upgrade(line, Buffer.concat(out));
        return null;
      }
      if (rest.length) this.feed('s2c', rest);
      out.push(line, rest);
      return Buffer.concat(out);
    }
    // A line that never ends is no STLS answer.
    this.stlsAnswer = this.heldTail('s2c', data.subarray(pos), out);
    return out.length ? Buffer.concat(out) : null;
  }

  /**
   * What a gate keeps of an unfinished line until its end comes: all of it, or — past MAX_GATED_LINE — nothing,
   * the line being inspected and added to `out` (passed on) rather than held without bound.
   */
  private heldTail(dir: 'c2s' | 's2c', tail: Buffer, out: Buffer[]): Buffer {
    if (tail.length <= MAX_GATED_LINE) return tail;
    this.feed(dir, tail);
    out.push(tail);
    return Buffer.alloc(0);
  }

  /**
   * `--stls strip`, client side: an STLS line is not forwarded; the proxy refuses it itself, so the session
   * stays in cleartext. Everything else passes (inspected first).
   */
  private stripClient(chunk: Buffer): Buffer | null {
    // Whole lines only (an STLS split across chunks must not half reach the server), one at a time, so the
    // engine sees the refusal right after the STLS line and before what follows it.
    const data = this.stripClientHeld.length ? Buffer.concat([this.stripClientHeld, chunk]) : chunk;
    const out: Buffer[] = [];
    let pos = 0;
    for (let lf = data.indexOf(0x0a); lf !== -1; lf = data.indexOf(0x0a, pos)) {
      const piece = data.subarray(pos, lf + 1);
      pos = lf + 1;
      if (!STLS_LINE.test(piece.toString('latin1'))) {
        this.feed('c2s', piece);
        out.push(piece);
        continue;
      }
      // The server never sees this STLS, so neither does the engine (it follows the server's conversation):
      // the capture says that pop3scope kept it and answered it itself.
      const t = this.o.now();
      this.act({
        type: 'alter',
        t,
        dir: 'c2s',
        what: 'the client asked for STLS and pop3scope refused it',
        removed: piece.toString('latin1'),
        code: 'POP3_STLS_STRIPPED',
      });
      const refusal =
        '-ERR [SYS/PERM] pop3scope --stls strip: STLS refused so that this session stays in cleartext\r\n';
      this.client.write(refusal);
      this.act({ type: 'proxy', t, dir: 's2c', text: refusal });
    }
    this.stripClientHeld = this.heldTail('c2s', data.subarray(pos), out);
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  /** `--stls strip`, server side: the STLS line of a CAPA listing is not forwarded. Lines are held until whole. */
  private stripUpstream(chunk: Buffer): Buffer | null {
    const data = this.stripHeld.length ? Buffer.concat([this.stripHeld, chunk]) : chunk;
    const out: Buffer[] = [];
    let pos = 0;
    for (let lf = data.indexOf(0x0a); lf !== -1; lf = data.indexOf(0x0a, pos)) {
      const line = data.subarray(pos, lf + 1);
      const inCapa = this.inspector.listingOf() === 'CAPA';
      // The server sent it, so the engine sees it; the capture says the client never got it.
      this.feed('s2c', line);
      if (inCapa && /^stls\r?\n$/i.test(line.toString('latin1'))) {
        this.act({
          type: 'alter',
          t: this.o.now(),
          dir: 's2c',
          what: 'pop3scope hid STLS from the CAPA listing',
          removed: line.toString('latin1'),
          code: 'POP3_STLS_STRIPPED',
        });
      } else {
        out.push(line);
      }
      pos = lf + 1;
    }
    this.stripHeld = this.heldTail('s2c', data.subarray(pos), out);
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  private async upgrade(answer: Buffer, before: Buffer = Buffer.alloc(0)): Promise<void> {
    // Responses to commands sent before STLS go out now, in order, before anything else.
    if (before.length) this.client.write(before);
    for (const stop of this.stops.splice(0)) stop();
    const upstreamRaw = this.upstreamSocket!;
    this.client.pause();
    upstreamRaw.pause();
    const { host, port } = this.o.upstream;
    let upstream: tls.TLSSocket;
    try {
      upstream = await new Promise<tls.TLSSocket>((resolve, reject) => {
        const { secure: s, watch } = connectTls(this.tlsOptions, host, upstreamRaw);
        this.upstreamWatch = watch;
        const timer = this.handshakeTimer(s);
        s.once('secureConnect', () => {
          clearTimeout(timer);
          resolve(s);
        });
        s.once('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
      });
    } catch (error) {
      const reason = `TLS with the server failed (${formatAddress(host, port)}: ${errorText(error as Error)})`;
      this.client.write(this.answerClient(reason));
      this.finish('proxy', reason);
      return;
    }
    this.client.write(answer);
    let client: tls.TLSSocket;
    try {
      client = await this.handshakeClient(this.client);
    } catch (error) {
      if (error instanceof ClientLeft) this.finish('client', error.message, true);
      else
        this.finish(
          'proxy',
          `the client's TLS handshake failed (${errorText(error as Error)}): ${TRUST_HINT}`,
          true,
        );
      return;
    }
    this.fromClient.gate = undefined;
    this.fromUpstream.gate = undefined;
    // The handshakes' once('error') handlers are spent promises now: a later error (a record that cannot be
    // decrypted) must end the session, not leave it open.
    upstream.on('error', this.serverFailed);
    client.on('error', this.clientFailed);
    this.upstreamSocket = upstream;
    this.client = client;
    this.tlsBegan('stls', upstream);
    this.stops = [
      pipeSide('client', client, upstream, this.fromClient),
      pipeSide('upstream', upstream, client, this.fromUpstream),
    ];
    client.resume();
    upstream.resume();
  }

  /** A peer that never completes its TLS handshake must not hold the session forever. */
  private handshakeTimer(socket: net.Socket): NodeJS.Timeout {
    const ms = this.o.connectTimeoutMs;
    return setTimeout(
      () =>
        socket.destroy(
          Object.assign(new Error(`no TLS handshake within ${ms / 1000} s`), { code: 'ETIMEDOUT' }),
        ),
      ms,
    );
  }

  /** The upstream could not be used: not reached at all, or reached but its TLS handshake failed. */
  private unreachable(error: Error, reached = false): void {
    const { host, port } = this.o.upstream;
    const where = formatAddress(host, port);
    const reason = reached
      ? `TLS with the server failed (${where}: ${errorText(error)})`
      : `cannot reach ${where} (${errorText(error)})`;
    // The -ERR is pop3scope's own, recorded as such: the server sent nothing, so it gets no bytes or blame.
    const line = this.answerClient(reason);
    // Read (and drop) whatever the client sent, so its close is seen and the socket ends cleanly.
    this.client.resume();
    this.client.end(line);
    this.finish('proxy', reason);
  }

  /**
   * A server that accepts and never greets would leave the client waiting forever: after the greeting timeout
   * pop3scope answers the client itself and ends the session.
   */
  private awaitGreeting(): void {
    const ms = this.o.greetingTimeoutMs ?? 0;
    if (ms <= 0) return;
    this.greetingTimer = setTimeout(() => {
      this.greetingTimer = null;
      if (this.ended) return;
      const reason = `the server did not greet within ${ms / 1000} s`;
      this.client.write(this.answerClient(reason));
      this.finish('proxy', reason);
    }, ms);
  }

  /** pop3scope's own -ERR [SYS/TEMP] to the client, announced as pop3scope's; returns the line to send. */
  private answerClient(reason: string): string {
    const line = `-ERR [SYS/TEMP] pop3scope: ${reason}\r\n`;
    this.act({ type: 'proxy', t: this.o.now(), dir: 's2c', text: line });
    return line;
  }

  /** Reports something pop3scope itself did on the wire (the same events a capture read back gives). */
  private act(action: ProxyAction): void {
    this.emit(actionEvents(this.inspector, action));
  }

  private feed(dir: 'c2s' | 's2c', chunk: Buffer): EngineEvent[] {
    const events = this.inspector.receive(dir, chunk, this.o.now());
    this.emit(events);
    if (dir === 's2c') this.watchServer(events);
    // STLS passthrough: after the server's +OK the bytes are TLS the proxy cannot read; count them only.
    if (this.tlsOptions.stls === 'passthrough' && dir === 's2c') {
      const accepted = events.some(
        (e) => e.type === 'transaction' && e.tx.command?.verb === 'STLS' && e.tx.response.status === '+OK',
      );
      if (accepted) this.emit(this.inspector.tls({ how: 'stls', visibility: 'opaque' }, this.o.now()));
    }
    return events;
  }

  /** The greeting stops the greeting timer; an answered QUIT lets the server's close end the session. */
  private watchServer(events: EngineEvent[]): void {
    for (const e of events) {
      if (e.type !== 'transaction') continue;
      if (this.greetingTimer) {
        clearTimeout(this.greetingTimer);
        this.greetingTimer = null;
      }
      if (e.tx.command?.verb === 'QUIT' && e.tx.response.status !== null) this.quitAnswered = true;
    }
  }

  private emit(events: EngineEvent[]): void {
    for (const e of events) this.o.hooks.event(e);
  }

  /** A socket of either side failed after it was up (TCP, or its TLS layer once the handshake is done). */
  private readonly clientFailed = (error: Error) =>
    this.finish('client', `client error: ${errorText(error)}`, true);
  private readonly serverFailed = (error: Error) =>
    this.finish('server', `server error: ${errorText(error)}`, true);

  private finish(by: SessionEnd['by'], reason: string, destroy = false): void {
    if (this.ended) return;
    const t = this.o.now();
    this.ended = { session: this.o.id, t, by, reason };
    if (this.greetingTimer) clearTimeout(this.greetingTimer);
    // A TLS socket over a RecordWatch does not close the TCP socket beneath it: that one is listed too.
    const sockets = [
      this.client,
      this.rawClient,
      this.upstreamSocket,
      this.upstreamWatch?.raw ?? null,
    ].filter((s): s is net.Socket => s !== null);
    if (destroy) {
      for (const s of sockets) s.destroy();
    } else {
      // One side is gone: the other must not hang (a client mid-RETR sees the close at once).
      for (const s of sockets) if (!s.destroyed) s.end();
      setTimeout(() => {
        for (const s of sockets) s.destroy();
      }, 2000).unref();
    }
    // The server ended TLS first, with no close_notify: what it sent last may have been cut short unseen.
    if (this.firstEnd === 'upstream' && this.upstreamWatch?.peerEnd === 'no close_notify') {
      this.ended = { ...this.ended, uncleanTls: 'server' };
      this.emit(uncleanTlsEvents(this.inspector, t));
    }
    this.emit(this.inspector.close(t, by, reason));
    this.o.hooks.close(this.ended);
    this.resolveDone();
  }
}

/** Why a client's TLS handshake failed, with the hint that fits: trust for a rejected certificate, none for a
 * client that did not speak TLS at all (a port probe, a cleartext client at the POP3S port). */
function clientTlsFailure(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_HTTP_REQUEST')
    return `${errorText(error)}; the client did not speak TLS`;
  return `${errorText(error)}; ${TRUST_HINT}`;
}

/** One short line for a socket or TLS error: never OpenSSL's multi-line internals, never a line break. */
function errorText(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `${code}: host name not found`;
  const message = error.message ?? '';
  // OpenSSL: "...:SSL routines:<function>:<reason>:<file>:<line>:" — the reason is what a person needs.
  const reason =
    /SSL routines:[^:]*:([^:]+)/.exec(message)?.[1] ??
    /(tlsv1 alert [a-z ]+|certificate [a-z ]+|self[- ]signed certificate[a-z ]*|unable to [a-z ]+)/i.exec(
      message,
    )?.[1];
  const text = code
    ? reason
      ? `${code}: ${reason}`
      : message && !message.includes(code)
        ? `${code}: ${message}`
        : code
    : (reason ?? message);
  return text
    .replace(/[\r\n]+/g, ' ')
    .trim()
    .slice(0, 200);
}
