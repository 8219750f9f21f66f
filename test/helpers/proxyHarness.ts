/** Starts a ProxyServer on an ephemeral loopback port with a sink that collects every hook call. */
import net from 'node:net';
import type { EngineEvent, SessionSummary, Transaction } from '../../src/analysis/types.js';
import type { ProxySink, SessionEnd, SessionStart } from '../../src/events.js';
import { ProxyServer } from '../../src/proxy/server.js';

export interface Collected {
  opens: SessionStart[];
  events: EngineEvent[];
  closes: SessionEnd[];
  transactions(): Transaction[];
  summaries(): SessionSummary[];
  /** Resolves when `n` sessions have closed. */
  closed(n?: number): Promise<void>;
}

export function collector(): ProxySink & Collected {
  const waiters: { n: number; resolve: () => void }[] = [];
  const c: ProxySink & Collected = {
    opens: [],
    events: [],
    closes: [],
    open: (s) => void c.opens.push(s),
    // A data event's bytes are the proxy's for the call only (src/events.ts): kept, they are copied.
    event: (e) => void c.events.push(e.type === 'data' ? { ...e, bytes: Buffer.from(e.bytes) } : e),
    close: (end) => {
      c.closes.push(end);
      for (const w of waiters.filter((w) => c.closes.length >= w.n)) w.resolve();
    },
    transactions: () => c.events.flatMap((e) => (e.type === 'transaction' ? [e.tx] : [])),
    summaries: () => c.events.flatMap((e) => (e.type === 'summary' ? [e.summary] : [])),
    closed: (n = 1) =>
      c.closes.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve })),
  };
  return c;
}

export async function startTestProxy(
  upstreamPort: number,
  sinks: ProxySink[] = [],
  connectTimeoutMs = 5000,
): Promise<ProxyServer> {
  return ProxyServer.start({
    listen: { host: '127.0.0.1', port: 0 },
    upstream: { host: '127.0.0.1', port: upstreamPort },
    sinks,
    connectTimeoutMs,
  });
}

/** A scripted upstream: `onConnection` gets each accepted socket. */
export async function fakeUpstream(
  onConnection: (socket: net.Socket) => void,
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    onConnection(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** Connects a raw client to the proxy and collects everything it receives. */
export async function rawClient(
  port: number,
): Promise<{ socket: net.Socket; received: () => Buffer; ended: Promise<void> }> {
  // Like a real client, it closes when the server side ends.
  const socket = net.connect({ host: '127.0.0.1', port });
  const chunks: Buffer[] = [];
  socket.on('data', (c) => chunks.push(c));
  socket.on('error', () => {});
  const ended = new Promise<void>((r) => socket.on('close', () => r()));
  await new Promise<void>((r) => socket.once('connect', () => r()));
  return { socket, received: () => Buffer.concat(chunks), ended };
}

export function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (condition()) resolve();
      else if (Date.now() - start > timeoutMs) reject(new Error('timed out waiting'));
      else setTimeout(tick, 10);
    };
    tick();
  });
}

/**
 * Writes `bytes` to `socket` in pieces of 1..maxPiece octets (sizes from `random`), each a turn of the event
 * loop after the last, or after 'drain': the reader gets many small reads. Calls `done` after the last piece.
 */
export function writeInPieces(
  socket: net.Socket,
  bytes: Buffer,
  random: () => number,
  maxPiece = 12_000,
  done: () => void = () => {},
): void {
  let at = 0;
  const more = () => {
    if (at >= bytes.length) return done();
    const n = Math.min(bytes.length - at, 1 + Math.floor(random() * maxPiece));
    const ok = socket.write(bytes.subarray(at, at + n));
    at += n;
    if (ok) setImmediate(more);
    else socket.once('drain', more);
  };
  more();
}
