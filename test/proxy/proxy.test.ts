/** The proxy on loopback against scripted upstreams: transparency, failures, truncation, backpressure. */
import { afterEach, describe, expect, it } from 'vitest';
import type { ProxyServer } from '../../src/proxy/server.js';
import { collector, fakeUpstream, rawClient, startTestProxy, waitFor } from '../helpers/proxyHarness.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup(onConnection: Parameters<typeof fakeUpstream>[0]) {
  const upstream = await fakeUpstream(onConnection);
  const sink = collector();
  const proxy: ProxyServer = await startTestProxy(upstream.port, [sink]);
  cleanup.push(upstream.close, () => proxy.stop(0));
  return { upstream, sink, proxy, port: proxy.address().port };
}

describe('proxy transparency', () => {
  it('delivers exactly the bytes each side sent, whatever they are, and still parses the session', async () => {
    const serverBytes = Buffer.concat([
      Buffer.from('+OK hello\r\n'),
      Buffer.from('+OK\r\n'),
      Buffer.from([0x00, 0xff, 0x0a, 0x0d, 0x80, 0x0a]), // binary, bare LF, bare CR
      Buffer.alloc(300_000, 0x78), // one huge line
      Buffer.from('\r\n'),
    ]);
    const clientBytes = Buffer.concat([
      Buffer.from('USER bob\r\n'),
      Buffer.from([0xc3, 0x28, 0x0a]),
      Buffer.from('NOOP'),
    ]);
    let upstreamGot = Buffer.alloc(0);
    const { port, sink } = await setup((s) => {
      s.on('data', (c) => {
        upstreamGot = Buffer.concat([upstreamGot, c]);
      });
      s.write(serverBytes.subarray(0, 11));
      setTimeout(() => s.end(serverBytes.subarray(11)), 50);
    });
    const client = await rawClient(port);
    client.socket.write(clientBytes);
    await waitFor(() => upstreamGot.length === clientBytes.length);
    client.socket.end();
    await client.ended;
    await sink.closed();
    expect(client.received().equals(serverBytes)).toBe(true);
    expect(upstreamGot.equals(clientBytes)).toBe(true);
    const codes = sink.transactions().flatMap((t) => t.violations.map((v) => v.code));
    expect(codes).toContain('POP3_BARE_LINE_ENDING');
    expect(codes).toContain('POP3_LINE_OVERFLOW');
    expect(sink.transactions()[0]!.response.text).toBe('hello');
    const summary = sink.summaries()[0]!;
    expect(summary.bytes).toEqual({ c2s: clientBytes.length, s2c: serverBytes.length });
  });

  it('tells the client when the upstream cannot be reached, and records why', async () => {
    const { port: deadPort, close } = await fakeUpstream(() => {});
    await close(); // nothing listens there now
    const sink = collector();
    const proxy = await startTestProxy(deadPort, [sink]);
    cleanup.push(() => proxy.stop(0));
    const client = await rawClient(proxy.address().port);
    await client.ended;
    expect(client.received().toString()).toBe(
      `-ERR [SYS/TEMP] pop3scope: cannot reach 127.0.0.1:${deadPort} (ECONNREFUSED)\r\n`,
    );
    await sink.closed();
    expect(sink.closes[0]).toMatchObject({
      by: 'proxy',
      reason: `cannot reach 127.0.0.1:${deadPort} (ECONNREFUSED)`,
    });
  });

  it('closes the client at once when the upstream resets mid-RETR, and records a truncated response', async () => {
    const { port, sink } = await setup((s) => {
      s.write('+OK ready\r\n');
      let seen = '';
      s.on('data', (c) => {
        seen += c.toString();
        if (!seen.includes('RETR 1\r\n')) return;
        s.write('+OK\r\n+OK\r\n+OK 5000 octets\r\nSubject: cut\r\n\r\npart of the body\r\n');
        setTimeout(() => s.resetAndDestroy(), 30);
      });
    });
    const client = await rawClient(port);
    client.socket.write('USER bob\r\nPASS x\r\nRETR 1\r\n');
    const started = Date.now();
    await client.ended;
    expect(Date.now() - started).toBeLessThan(3000);
    await sink.closed();
    const retr = sink.transactions().find((t) => t.command?.verb === 'RETR')!;
    expect(retr.response.complete).toBe(false);
    expect(retr.violations.map((v) => v.code)).toContain('POP3_TRUNCATED_RESPONSE');
    expect(sink.closes[0]!.by).toBe('server');
  });

  it('stops reading from the server while the client does not read (bounded buffering)', async () => {
    let serverBlocked = false;
    let written = 0;
    const { port, sink } = await setup((s) => {
      s.write('+OK ready\r\n');
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const pump = () => {
        while (written < 200 * 1024 * 1024) {
          written += chunk.length;
          if (!s.write(chunk)) {
            serverBlocked = true;
            return;
          }
        }
      };
      pump();
    });
    const client = await rawClient(port);
    client.socket.pause(); // a client that does not read
    await waitFor(() => serverBlocked);
    await new Promise((r) => setTimeout(r, 200));
    // The proxy holds at most a few socket buffers, not the 200 MiB the server wanted to send.
    expect(written).toBeLessThan(64 * 1024 * 1024);
    client.socket.destroy();
    await sink.closed();
  });

  it('passes a client half-close to the server and lets the server finish its answer', async () => {
    const { port, sink } = await setup((s) => {
      s.write('+OK ready\r\n');
      s.resume();
      s.on('end', () => s.end('+OK bye\r\n'));
    });
    const client = await rawClient(port);
    client.socket.end('QUIT\r\n');
    await client.ended;
    expect(client.received().toString()).toBe('+OK ready\r\n+OK bye\r\n');
    await sink.closed();
    expect(sink.transactions().map((t) => t.command?.verb ?? 'greeting')).toEqual(['greeting', 'QUIT']);
  });

  it('names each of many concurrent sessions and ends each with exactly one close', async () => {
    const { port, sink } = await setup((s) => {
      s.write('+OK ready\r\n');
      s.on('data', () => s.end('+OK bye\r\n'));
    });
    const clients = await Promise.all(Array.from({ length: 20 }, () => rawClient(port)));
    for (const c of clients) c.socket.write('QUIT\r\n');
    await Promise.all(clients.map((c) => c.ended));
    await sink.closed(20);
    const ids = sink.closes.map((c) => c.session);
    expect(new Set(ids).size).toBe(20);
    expect(sink.summaries()).toHaveLength(20);
  });
});
