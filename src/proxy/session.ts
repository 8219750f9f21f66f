/**
 * One proxied connection: dials the upstream, relays bytes both ways untouched, feeds both directions to the
 * engine beside the relay, and reports everything through the hooks. It ends with exactly one `close` hook,
 * whoever ends it: client, server, or the proxy itself (shutdown, unreachable upstream).
 */
import net from 'node:net';
import { Inspector } from '../analysis/inspector.js';
import type { EngineEvent } from '../analysis/types.js';
import type { Hooks, SessionEnd } from './hooks.js';
import { pipeSide, type Side } from './relay.js';

export interface Upstream {
  readonly host: string;
  readonly port: number;
}

export interface ProxySessionOptions {
  readonly id: string;
  readonly upstream: Upstream;
  readonly connectTimeoutMs: number;
  readonly hooks: Hooks;
  readonly now: () => number;
  /** Dials the upstream; replaceable in tests. */
  readonly dial?: (upstream: Upstream) => net.Socket;
}

export function formatAddress(host: string | undefined, port: number | undefined): string {
  if (!host) return '?';
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export class ProxySession {
  readonly inspector: Inspector;
  private upstreamSocket: net.Socket | null = null;
  private ended: SessionEnd | null = null;
  private firstEnd: Side | null = null;
  private readonly clientAddress: string;
  readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(
    private readonly client: net.Socket,
    private readonly o: ProxySessionOptions,
  ) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    this.clientAddress = formatAddress(client.remoteAddress, client.remotePort);
    const t = o.now();
    const upstream = formatAddress(o.upstream.host, o.upstream.port);
    this.inspector = new Inspector(o.id, { client: this.clientAddress, upstream }, t);
    o.hooks.open({ session: o.id, t, client: this.clientAddress, upstream, tls: 'none' });
    // Nothing from the client is read until the upstream answers: no byte is lost or reordered.
    client.pause();
    client.on('error', (error) => this.finish('client', `client error: ${errorText(error)}`, true));
    client.on('close', () => this.finish(this.firstEnd === 'upstream' ? 'server' : 'client', 'client closed the connection'));
    this.connect();
  }

  get id(): string {
    return this.o.id;
  }

  /** Closes both sides now (shutdown). */
  abort(reason: string): void {
    this.finish('proxy', reason, true);
  }

  private connect(): void {
    const { upstream, connectTimeoutMs } = this.o;
    const socket = this.o.dial ? this.o.dial(upstream) : net.connect({ host: upstream.host, port: upstream.port, allowHalfOpen: true });
    this.upstreamSocket = socket;
    socket.setNoDelay(true);
    this.client.setNoDelay(true);
    const timer = setTimeout(() => socket.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })), connectTimeoutMs);
    let connected = false;
    socket.once('connect', () => {
      connected = true;
      clearTimeout(timer);
      this.relay(socket);
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      if (!connected && !this.ended) this.unreachable(error);
      else this.finish('server', `server error: ${errorText(error)}`, true);
    });
  }

  private relay(upstream: net.Socket): void {
    const handlers = {
      inspect: (from: Side, chunk: Buffer) => this.feed(from === 'client' ? 'c2s' : 's2c', chunk),
      ended: (from: Side) => {
        this.firstEnd ??= from;
      },
    };
    pipeSide('client', this.client, upstream, handlers);
    pipeSide('upstream', upstream, this.client, handlers);
    upstream.on('close', () => this.finish(this.firstEnd === 'client' ? 'client' : 'server', 'server closed the connection'));
    // A reset on one side closes the other (the 'error' handlers destroy both).
    this.client.resume();
  }

  private unreachable(error: Error): void {
    const { host, port } = this.o.upstream;
    const reason = `cannot reach ${formatAddress(host, port)} (${errorText(error)})`;
    const line = Buffer.from(`-ERR [SYS/TEMP] pop3scope: ${reason}\r\n`);
    // What the client receives is recorded as the server side of the session, and the close says why.
    this.feed('s2c', line);
    // Read (and drop) whatever the client sent, so its close is seen and the socket ends cleanly.
    this.client.resume();
    this.client.end(line);
    this.finish('proxy', reason);
  }

  private feed(dir: 'c2s' | 's2c', chunk: Buffer): void {
    this.emit(this.inspector.receive(dir, chunk, this.o.now()));
  }

  private emit(events: EngineEvent[]): void {
    for (const e of events) this.o.hooks.event(e);
  }

  private finish(by: SessionEnd['by'], reason: string, destroy = false): void {
    if (this.ended) return;
    const t = this.o.now();
    this.ended = { session: this.o.id, t, by, reason };
    if (destroy) {
      this.client.destroy();
      this.upstreamSocket?.destroy();
    } else {
      // One side is gone: the other must not hang (a client mid-RETR sees the close at once).
      if (!this.client.destroyed) this.client.end();
      if (this.upstreamSocket && !this.upstreamSocket.destroyed) this.upstreamSocket.end();
      setTimeout(() => {
        this.client.destroy();
        this.upstreamSocket?.destroy();
      }, 2000).unref();
    }
    this.emit(this.inspector.close(t, by, reason));
    this.o.hooks.close(this.ended);
    this.resolveDone();
  }
}

function errorText(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `${code}: host name not found`;
  return code ?? error.message;
}
