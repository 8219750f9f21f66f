/**
 * What pop3scope says and does on its own, and how a session ends without the client's help:
 * - an unreachable upstream: the client's -ERR is pop3scope's (a `proxy` event), never the server's greeting
 *   (no POP3_GREETING_REFUSED, no server bytes);
 * - an upstream that accepts and never greets: after the greeting timeout pop3scope answers -ERR itself;
 * - a server that closes after QUIT ends the session even if the client (nc -C) keeps its side open.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/analysis/types.js';
import { ProxyServer } from '../../src/proxy/server.js';
import { collector, fakeUpstream, rawClient, waitFor } from '../helpers/proxyHarness.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function proxyTo(port: number, greetingTimeoutMs?: number) {
  const sink = collector();
  const proxy = await ProxyServer.start({
    listen: { host: '127.0.0.1', port: 0 },
    upstream: { host: '127.0.0.1', port },
    sinks: [sink],
    connectTimeoutMs: 5000,
    greetingTimeoutMs,
  });
  cleanup.push(() => proxy.stop(0));
  return { sink, proxy, port: proxy.address().port };
}

const ofType = <T extends EngineEvent['type']>(events: EngineEvent[], type: T) =>
  events.filter((e): e is Extract<EngineEvent, { type: T }> => e.type === type);

describe("pop3scope's own -ERR", () => {
  it('regression: an unreachable upstream is not blamed on the server (no greeting, no violation, no s2c bytes)', async () => {
    const { port: deadPort, close } = await fakeUpstream(() => {});
    await close();
    const { sink, port } = await proxyTo(deadPort);
    const client = await rawClient(port);
    await client.ended;
    await sink.closed();
    const line = `-ERR [SYS/TEMP] pop3scope: cannot reach 127.0.0.1:${deadPort} (ECONNREFUSED)\r\n`;
    expect(client.received().toString()).toBe(line);
    expect(ofType(sink.events, 'proxy')).toMatchObject([{ dir: 's2c', text: line }]);
    expect(ofType(sink.events, 'data')).toEqual([]);
    expect(sink.transactions()).toEqual([]);
    expect(ofType(sink.events, 'violation')).toEqual([]);
    const summary = sink.summaries()[0]!;
    expect(summary.violations).toEqual({});
    expect(summary.bytes).toEqual({ c2s: 0, s2c: 0 });
    expect(summary.closeReason).toBe(`cannot reach 127.0.0.1:${deadPort} (ECONNREFUSED)`);
  });

  it('regression: an upstream that accepts and never greets gets the client -ERR after the greeting timeout', async () => {
    let upstreamEnded = false;
    const upstream = await fakeUpstream((s) => {
      s.on('end', () => (upstreamEnded = true));
      s.resume();
    });
    cleanup.push(upstream.close);
    const { sink, port } = await proxyTo(upstream.port, 300);
    const started = Date.now();
    const client = await rawClient(port);
    await client.ended;
    await sink.closed();
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(waited).toBeLessThan(2000);
    const line = '-ERR [SYS/TEMP] pop3scope: the server did not greet within 0.3 s\r\n';
    expect(client.received().toString()).toBe(line);
    expect(sink.closes[0]).toMatchObject({ by: 'proxy', reason: 'the server did not greet within 0.3 s' });
    expect(ofType(sink.events, 'proxy')).toMatchObject([{ dir: 's2c', text: line }]);
    expect(ofType(sink.events, 'violation')).toEqual([]);
    expect(sink.summaries()[0]!.bytes.s2c).toBe(0);
    await waitFor(() => upstreamEnded);
  });

  it('a greeting that comes before the timeout stops it; 0 means no limit', async () => {
    for (const [timeout, delay] of [
      [400, 100],
      [0, 600],
    ] as const) {
      const upstream = await fakeUpstream((s) => {
        setTimeout(() => s.write('+OK late but here\r\n'), delay);
        s.on('data', () => s.end('+OK bye\r\n'));
      });
      cleanup.push(upstream.close);
      const { sink, port } = await proxyTo(upstream.port, timeout);
      const client = await rawClient(port);
      await waitFor(() => client.received().toString().includes('late but here'), 3000);
      await new Promise((r) => setTimeout(r, timeout + 100));
      expect(sink.closes).toEqual([]);
      client.socket.write('QUIT\r\n');
      await client.ended;
      await sink.closed();
      expect(client.received().toString()).toBe('+OK late but here\r\n+OK bye\r\n');
      expect(ofType(sink.events, 'proxy')).toEqual([]);
    }
  });
});

describe('a client that keeps its side open (nc -C)', () => {
  it('regression: the session ends when the server has closed after answering QUIT', async () => {
    const upstream = await fakeUpstream((s) => {
      s.write('+OK ready\r\n');
      s.on('data', (d) => {
        if (d.toString().startsWith('QUIT')) s.end('+OK bye\r\n');
        else s.write('+OK\r\n');
      });
    });
    cleanup.push(upstream.close);
    const { sink, proxy, port } = await proxyTo(upstream.port);
    // allowHalfOpen: like nc, it does not close its side when the proxy's side ends.
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    cleanup.push(async () => void socket.destroy());
    let received = '';
    let ended = false;
    socket.on('data', (d) => (received += d.toString()));
    socket.on('end', () => (ended = true));
    socket.on('error', () => {});
    await waitFor(() => received.includes('ready'));
    socket.write('NOOP\r\n');
    await waitFor(() => received.endsWith('+OK\r\n'));
    socket.write('QUIT\r\n');
    await sink.closed();
    expect(sink.closes[0]).toMatchObject({ by: 'server', reason: 'the server closed after QUIT' });
    const summary = sink.summaries()[0]!;
    expect(summary.closeReason).toBe('the server closed after QUIT');
    await waitFor(() => ended);
    expect(received).toBe('+OK ready\r\n+OK\r\n+OK bye\r\n');
    await waitFor(() => proxy.activeSessions === 0);
  });

  it('a server that closes without QUIT still waits for the client, as before', async () => {
    const upstream = await fakeUpstream((s) => s.end('+OK ready, but going\r\n'));
    cleanup.push(upstream.close);
    const { sink, port } = await proxyTo(upstream.port);
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    socket.on('error', () => {});
    socket.on('data', () => {});
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.closes).toEqual([]);
    socket.end();
    await sink.closed();
    expect(sink.closes[0]!.by).toBe('server');
  });
});
