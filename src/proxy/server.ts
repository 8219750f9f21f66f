/**
 * The intercepting proxy: accepts clients, gives each session an id, and runs a ProxySession per connection.
 * Shutdown stops accepting, lets sessions in flight end by themselves for a grace period, then closes what is
 * left, and finally stops the sinks (flushing captures and logs).
 */
import net from 'node:net';
import type { ProxySink } from '../events.js';
import { type BoundAddress, boundAddress, listen } from '../listen.js';
import type { InjectorFactory } from './faultRelay.js';
import { Hooks } from './hooks.js';
import { DEFAULT_GREETING_TIMEOUT_MS } from './limits.js';
import { ProxySession, type Upstream } from './session.js';
import type { ProxyTlsOptions } from './tls.js';

export interface ProxyOptions {
  readonly listen: { host: string; port: number };
  readonly upstream: Upstream;
  readonly sinks: ProxySink[];
  readonly connectTimeoutMs?: number;
  /** How long a connected upstream may take to greet (default DEFAULT_GREETING_TIMEOUT_MS); 0: no limit. */
  readonly greetingTimeoutMs?: number;
  readonly now?: () => number;
  /** Called when a sink throws; the relay goes on. */
  readonly onSinkError?: (error: unknown) => void;
  readonly dial?: (upstream: Upstream) => net.Socket;
  readonly tls?: ProxyTlsOptions;
  /** The number of the first session id (s<N>): a capture appended to continues its file's numbering. */
  readonly firstSessionNumber?: number;
  /** `--fault`: each session's fault injector (proxy/faultRelay.ts); none: every byte relayed as it came. */
  readonly faults?: InjectorFactory;
}

export class ProxyServer {
  readonly hooks: Hooks;
  private readonly server: net.Server;
  private readonly sessions = new Set<ProxySession>();
  private counter = 0;
  private stopping: Promise<void> | null = null;

  private constructor(private readonly o: ProxyOptions) {
    this.counter = (o.firstSessionNumber ?? 1) - 1;
    this.hooks = new Hooks([...o.sinks], o.onSinkError);
    this.server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) =>
      this.accept(socket),
    );
  }

  /** Starts listening; rejects with the OS error when the address cannot be bound. */
  static async start(o: ProxyOptions): Promise<ProxyServer> {
    const proxy = new ProxyServer(o);
    await listen(proxy.server, o.listen.host, o.listen.port);
    return proxy;
  }

  address(): BoundAddress {
    return boundAddress(this.server);
  }

  get activeSessions(): number {
    return this.sessions.size;
  }

  private accept(socket: net.Socket): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    const n = ++this.counter;
    const session = new ProxySession(socket, {
      id: `s${n}`,
      faults: this.o.faults?.(n - (this.o.firstSessionNumber ?? 1) + 1),
      upstream: this.o.upstream,
      connectTimeoutMs: this.o.connectTimeoutMs ?? 10_000,
      greetingTimeoutMs: this.o.greetingTimeoutMs ?? DEFAULT_GREETING_TIMEOUT_MS,
      hooks: this.hooks,
      now: this.o.now ?? Date.now,
      dial: this.o.dial,
      tls: this.o.tls,
    });
    this.sessions.add(session);
    void session.done.then(() => this.sessions.delete(session));
  }

  /** Stops accepting; waits up to `graceMs` for sessions to end, closes the rest, then stops the sinks. */
  stop(graceMs = 2000): Promise<void> {
    this.stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      const all = Promise.all([...this.sessions].map((s) => s.done));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
      for (const s of this.sessions) s.abort('pop3scope is shutting down');
      await all;
      await closed;
      await this.hooks.stop();
    })();
    return this.stopping;
  }

  /** Ends at once: every session is closed without a grace period, then the sinks are stopped. */
  async stopNow(): Promise<void> {
    return this.stop(0);
  }
}
