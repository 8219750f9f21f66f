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
import { formatHostPort } from '../hostPort.js';
import type { ClientTlsFacts, Direction, TlsFacts } from '../protocol/types.js';
import { closeSockets } from './closeSockets.js';
import { clientTlsFailure, errorText, TRUST_HINT } from './failures.js';
import { type Injector, pipeWithFaults } from './faultRelay.js';
import type { Hooks } from './hooks.js';
import { ReadPool } from './readPool.js';
import { type Gated, pipeSide, type RelayHandlers, type Side } from './relay.js';
import { type GateDecision, type GateEngine, stlsGate } from './stlsGate.js';
import {
  ClientLeft,
  connectTls,
  handshakeClient,
  handshakeServer,
  NO_TLS,
  type ProxyTlsOptions,
  tlsFacts,
} from './tls.js';
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
  /** `--fault`: this session's injector; the server's bytes then reach the client through it. */
  readonly faults?: Injector;
}

export class ProxySession {
  readonly inspector: Inspector;
  private client: net.Socket;
  private upstreamSocket: net.Socket | null = null;
  /** Plain TCP to the server, relayed as it is: its bytes are read into buffers used again (readPool.ts). */
  private readPool: ReadPool | null = null;
  /** Under upstream TLS: the stream beneath it, which sees how the server ends TLS. */
  private upstreamWatch: RecordWatch | null = null;
  private ended: SessionEnd | null = null;
  private firstEnd: Side | null = null;
  private readonly clientAddress: string;
  private readonly tlsOptions: ProxyTlsOptions;
  /** Relay handlers per direction: a gate (proxy/stlsGate.ts) is installed only where STLS needs the proxy. */
  private readonly fromClient: RelayHandlers;
  private readonly fromUpstream: RelayHandlers;
  private stops: (() => void)[] = [];
  private clientFacts: ClientTlsFacts | null = null;
  private greetingTimer: NodeJS.Timeout | null = null;
  /** The server answered QUIT: its close then ends the session, even if the client keeps its side open. */
  private quitAnswered = false;
  /** An injected tls-fail is due: the next STLS upgrade fails its handshake with the client. */
  private failTls = false;
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
    this.clientAddress = formatHostPort(rawClient.remoteAddress, rawClient.remotePort);
    const t = o.now();
    const upstream = formatHostPort(o.upstream.host, o.upstream.port);
    const implicit = this.tlsOptions.listenTls || this.tlsOptions.upstreamTls ? 'implicit' : 'none';
    this.inspector = new Inspector(o.id, { client: this.clientAddress, upstream, tls: implicit }, t);
    o.hooks.open({ session: o.id, t, client: this.clientAddress, upstream, tls: implicit });
    const handlers = (): RelayHandlers => ({
      inspect: (from, chunk) => {
        if (from === 'client') o.faults?.client(chunk);
        this.feed(from === 'client' ? 'c2s' : 's2c', chunk);
      },
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
    const gate = implicit === 'none' ? stlsGate(this.tlsOptions.stls, this.gateEngine()) : null;
    if (gate) {
      this.fromClient.gate = (_from, chunk) => this.applyGate(gate.fromClient(chunk));
      this.fromUpstream.gate = (_from, chunk) => this.applyGate(gate.fromServer(chunk));
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
        this.client = await this.secureClient(this.rawClient);
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

  /** TLS with the client, under a leaf for the names it may ask for (its SNI comes first, in acceptTls). */
  private async secureClient(raw: net.Socket): Promise<tls.TLSSocket> {
    const names = [this.o.upstream.host, 'localhost', '127.0.0.1'];
    const { socket, facts } = await handshakeClient(raw, this.tlsOptions, names, this.o.connectTimeoutMs);
    this.clientFacts = facts;
    return socket;
  }

  private connect(): void {
    const { upstream, connectTimeoutMs } = this.o;
    const t = this.tlsOptions;
    // Not where something else keeps the server's chunks: node:tls over RecordWatch (--upstream-tls), or a fault
    // injector holding chunks back. Nor under --listen-tls: what a TLS client socket keeps of a write until it is
    // encrypted was not audited, and nothing measured needs it. STLS is fine: the pool hands the socket over
    // to TLS when it begins (upgrade).
    const plain = !t.upstreamTls && !t.listenTls && !this.o.faults;
    this.readPool = plain && !this.o.dial ? new ReadPool() : null;
    const raw = this.o.dial
      ? this.o.dial(upstream)
      : net.connect({
          host: upstream.host,
          port: upstream.port,
          allowHalfOpen: true,
          ...(this.readPool ? { onread: this.readPool.onread } : {}),
        });
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
    const facts: { -readonly [K in keyof TlsFacts]: TlsFacts[K] } = {};
    if (this.clientFacts) facts.client = this.clientFacts;
    if (how === 'stls' || this.tlsOptions.upstreamTls) facts.upstream = tlsFacts(upstream, 'upstream');
    if (this.tlsOptions.insecureUpstream) facts.insecureUpstream = true;
    this.emit(this.inspector.tls({ how, visibility: 'decrypted', ...facts }, this.o.now()));
  }

  private relay(client: net.Socket, upstream: net.Socket): void {
    this.stops = [
      pipeSide('client', client, upstream, this.fromClient),
      this.pipeUpstream(upstream, client, this.readPool ?? undefined),
    ];
    upstream.on('close', () =>
      this.finish(this.firstEnd === 'client' ? 'client' : 'server', 'server closed the connection'),
    );
    client.resume();
  }

  /** Server → client: relayed as it came, or through this session's fault injector (faultRelay.ts). */
  private pipeUpstream(upstream: net.Socket, client: net.Socket, pool?: ReadPool): () => void {
    const injector = this.o.faults;
    if (!injector) return pipeSide('upstream', upstream, client, this.fromUpstream, pool);
    return pipeWithFaults(upstream, client, this.fromUpstream, injector, {
      injected: (step) => this.emit(this.inspector.injected(step, this.o.now())),
      close: (rst) => {
        // A RST is what a crashed server or a middlebox sends: the client sees ECONNRESET, not an orderly end.
        if (rst) this.rawClient.resetAndDestroy();
        this.finish('proxy', 'pop3scope closed the connection (an injected fault)', rst);
      },
      tlsFail: () => {
        this.failTls = true;
      },
    });
  }

  /** What the STLS gate needs: the engine (its events reported as any), and pop3scope's actions recorded. */
  private gateEngine(): GateEngine {
    return {
      feed: (dir, bytes) => this.feed(dir, bytes),
      listingOf: () => this.inspector.listingOf(),
      act: (actions) => {
        const t = this.o.now();
        for (const a of actions) this.act({ ...a, t });
      },
    };
  }

  /** Applies a gate's decision beyond what the relay forwards: pop3scope's own reply, the STLS upgrade. */
  private applyGate(decision: GateDecision): Gated {
    if (decision.reply) this.client.write(decision.reply);
    if (decision.upgrade) void this.upgrade(decision.upgrade.answer, decision.upgrade.before);
    return decision;
  }

  /** STLS accepted: TLS with the server first, and only then its +OK to the client and TLS with the client. */
  private async upgrade(answerRead: Buffer, before: Buffer): Promise<void> {
    // Both may be views of a buffer the server is read into again (readPool.ts): the +OK goes out only after
    // the handshake, and the client write of `before` may stay queued.
    const answer = Buffer.from(answerRead);
    // Responses to commands sent before STLS go out now, in order, before anything else.
    if (before.length) this.client.write(Buffer.from(before));
    for (const stop of this.stops.splice(0)) stop();
    const upstreamRaw = this.upstreamSocket!;
    this.client.pause();
    upstreamRaw.pause();
    const { host, port } = this.o.upstream;
    let upstream: tls.TLSSocket;
    try {
      const { secure, watch } = connectTls(this.tlsOptions, host, upstreamRaw);
      this.upstreamWatch = watch;
      this.readPool?.handOver(upstreamRaw);
      upstream = await handshakeServer(secure, this.o.connectTimeoutMs);
    } catch (error) {
      const reason = `TLS with the server failed (${formatHostPort(host, port)}: ${errorText(error as Error)})`;
      this.client.write(this.answerClient(reason));
      this.finish('proxy', reason);
      return;
    }
    this.client.write(answer);
    if (this.failTls) {
      // An injected tls-fail: the +OK went out, then the handshake the client starts is cut.
      this.finish('proxy', 'pop3scope failed the TLS handshake (an injected fault)', true);
      return;
    }
    let client: tls.TLSSocket;
    try {
      client = await this.secureClient(this.client);
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
    this.stops = [pipeSide('client', client, upstream, this.fromClient), this.pipeUpstream(upstream, client)];
    client.resume();
    upstream.resume();
  }

  /** The upstream could not be used: not reached at all, or reached but its TLS handshake failed. */
  private unreachable(error: Error, reached = false): void {
    const { host, port } = this.o.upstream;
    const where = formatHostPort(host, port);
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

  private feed(dir: Direction, chunk: Buffer): EngineEvent[] {
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
    closeSockets(
      [this.client, this.upstreamSocket],
      [this.rawClient, this.upstreamWatch?.raw ?? null],
      destroy,
    );
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
