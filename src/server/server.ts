/**
 * The embedded POP3 server: a TCP listener that gives each connection a Pop3Session and a Connection.
 * Everything protocol-shaped is in the session; this file owns the listener, the session limit, the APOP
 * timestamps, the TLS certificate (STLS and implicit TLS happen in connection.ts) and shutdown.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { hostname as osHostname } from 'node:os';
import { createSecureContext, type SecureContext, TLSSocket } from 'node:tls';
import type { InjectorFactory } from '../faults/types.js';
import { listen } from '../listen.js';
import { type Logger, silentLogger } from '../log/logger.js';
import { Connection } from './connection.js';
import { SERVER_CLOSE_GRACE_MS, SERVER_IDLE_TIMEOUT_MS, SERVER_MAX_SESSIONS } from './limits.js';
import { demoStore } from './memoryStore.js';
import { err } from './reply.js';
import { Pop3Session } from './session.js';
import type { MailStore } from './store.js';

export interface ServerOptions {
  /** Address to listen on; default 127.0.0.1. */
  readonly host?: string;
  /** Port; 0 (the default) picks a free one, see `address()`. */
  readonly port?: number;
  /** The mail store; without one (or with `demo: true`) the demo maildrops of demoMailbox.ts are served. */
  readonly store?: MailStore;
  readonly demo?: boolean;
  /** Idle time before a session is closed without UPDATE; default 10 minutes (RFC 1939 §3 minimum). */
  readonly idleTimeoutMs?: number;
  /** Concurrent sessions; more connections get `-ERR [SYS/TEMP]` and are closed. */
  readonly maxSessions?: number;
  /** Where connections, logins and errors are logged; silent by default. */
  readonly logger?: Logger;
  /** The host part of APOP timestamps and CRAM-MD5 challenges; default the machine's host name. */
  readonly hostname?: string;
  /**
   * The server's certificate (chain) and private key, PEM. With it the server offers STLS (RFC 2595 §4) in
   * AUTHORIZATION, or with `implicitTls` speaks TLS from the first byte.
   */
  readonly tls?: ServerTls;
  /** With `tls`: TLS from the first byte (POP3S, RFC 8314 §3.3); STLS is then neither offered nor accepted. */
  readonly implicitTls?: boolean;
  /** `serve --fault`: each connection's fault injector, by its number (1-based, in the order they came). */
  readonly faults?: InjectorFactory;
}

export interface ServerTls {
  /** PEM certificate, optionally followed by its intermediates. */
  readonly cert: string;
  /** PEM private key of that certificate. */
  readonly key: string;
}

/** How a running server offers TLS: 'stls', 'implicit', or 'none'. */
export type TlsMode = 'stls' | 'implicit' | 'none';

/** Checks the options' TLS and builds the context once, so a bad certificate fails at start, not per client. */
function secureContextOf(options: ServerOptions): SecureContext | undefined {
  if (options.implicitTls && !options.tls) throw new Error('implicitTls needs tls (a certificate and key)');
  if (!options.tls) return undefined;
  try {
    // createSecureContext accepts an empty certificate; every handshake would then fail.
    new X509Certificate(options.tls.cert);
  } catch (e) {
    throw new Error(`unusable TLS certificate: ${(e as Error).message}`);
  }
  try {
    return createSecureContext({ cert: options.tls.cert, key: options.tls.key });
  } catch (e) {
    throw new Error(`unusable TLS certificate or key: ${(e as Error).message}`);
  }
}

export interface RunningServer {
  readonly store: MailStore;
  /** Whether clients get STLS, implicit TLS, or no TLS. */
  readonly tls: TlsMode;
  /** Where the server listens. */
  address(): { host: string; port: number };
  /** Sessions currently open. */
  sessionCount(): number;
  /** Stops accepting, ends every session without UPDATE, and resolves once all are gone. */
  close(): Promise<void>;
}

let greetings = 0;

/** A greeting timestamp unique per connection and per process (RFC 1939 §7): <pid.counter.time@host>. */
function apopTimestamp(host: string): string {
  greetings++;
  return `<${process.pid}.${greetings}.${Date.now()}@${host}>`;
}

/** A CRAM-MD5 challenge in the same msg-id form (RFC 2195 §2), random so that it is never reused. */
function cramChallenge(host: string): string {
  return `<${randomBytes(8).readBigUInt64BE()}.${Date.now()}@${host}>`;
}

/** Starts the server and resolves once it listens. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  if (options.store && options.demo) throw new Error('give either a store or demo, not both');
  const secureContext = secureContextOf(options);
  const tlsMode: TlsMode = !secureContext ? 'none' : options.implicitTls ? 'implicit' : 'stls';
  const store = options.store ?? demoStore();
  const logger = (options.logger ?? silentLogger()).child({ component: 'pop3-server' });
  const idleTimeoutMs = options.idleTimeoutMs ?? SERVER_IDLE_TIMEOUT_MS;
  const maxSessions = options.maxSessions ?? SERVER_MAX_SESSIONS;
  const host = options.hostname ?? osHostname();
  const connections = new Set<Connection>();
  const refused = new Set<Socket>();
  let nextId = 0;
  /** Connections served so far: a fault rule's session=N counts them. */
  let faulted = 0;

  // allowHalfOpen: a client may send its last commands and half-close; it still gets every answer.
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    const id = ++nextId;
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    if (connections.size >= maxSessions) {
      logger.warn({ conn: id, peer, maxSessions }, 'connection refused: too many sessions');
      refused.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => refused.delete(socket));
      setTimeout(() => socket.destroy(), SERVER_CLOSE_GRACE_MS).unref();
      if (tlsMode !== 'implicit') {
        socket.end(err('too many sessions', 'SYS/TEMP').head);
        return;
      }
      // A POP3S client can only read the refusal inside TLS; the grace timer bounds the handshake.
      const secure = new TLSSocket(socket, { isServer: true, secureContext });
      secure.on('error', () => socket.destroy());
      secure.once('secure', () => secure.end(err('too many sessions', 'SYS/TEMP').head));
      return;
    }
    const connLogger = logger.child({ conn: id });
    connLogger.info({ peer }, 'connection');
    const session = new Pop3Session({
      store,
      timestamp: apopTimestamp(host),
      newChallenge: () => cramChallenge(host),
      logger: connLogger,
      ...(tlsMode === 'none' ? {} : { tls: tlsMode }),
    });
    const connection = new Connection(socket, session, connLogger, {
      idleTimeoutMs,
      secureContext,
      implicitTls: tlsMode === 'implicit',
      ...(options.faults ? { faults: options.faults(++faulted) } : {}),
    });
    connections.add(connection);
    void connection.done.then(() => {
      connections.delete(connection);
      connLogger.info('connection closed');
    });
  });

  const bound = await listen(server, options.host ?? '127.0.0.1', options.port ?? 0);
  server.on('error', (e) => logger.error({ err: e }, 'listener error'));
  logger.info({ host: bound.host, port: bound.port, store: store.description, tls: tlsMode }, 'listening');

  let closing: Promise<void> | undefined;
  return {
    store,
    tls: tlsMode,
    address: () => bound,
    sessionCount: () => connections.size,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const socket of refused) socket.destroy();
        const pending = [...connections];
        for (const c of pending) c.shutdown();
        await Promise.all([stopped, ...pending.map((c) => c.done)]);
        logger.info('stopped');
      })();
      return closing;
    },
  };
}
