/** `--stls strip`: STLS hidden from CAPA and refused by the proxy, loudly, while the session goes on in cleartext. */
import { afterEach, describe, expect, it } from 'vitest';
import { ProxyServer } from '../../src/proxy/server.js';
import { collector, fakeUpstream, rawClient, waitFor } from '../helpers/proxyHarness.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe('proxy --stls strip', () => {
  it('hides STLS from CAPA, refuses STLS itself (also when split across chunks), and reports both', async () => {
    let upstreamGot = '';
    const upstream = await fakeUpstream((s) => {
      s.write('+OK ready\r\n');
      s.on('data', (c) => {
        upstreamGot += c.toString();
        for (const line of c.toString().split('\r\n').filter(Boolean)) {
          if (line === 'CAPA') s.write('+OK\r\nTOP\r\nST');
          if (line === 'CAPA') setTimeout(() => s.write('LS\r\nUSER\r\n.\r\n'), 20);
          else if (line === 'QUIT') s.end('+OK bye\r\n');
          else s.write('+OK\r\n');
        }
      });
    });
    const sink = collector();
    const proxy = await ProxyServer.start({
      listen: { host: '127.0.0.1', port: 0 },
      upstream: { host: '127.0.0.1', port: upstream.port },
      sinks: [sink],
      tls: { listenTls: false, upstreamTls: false, stls: 'strip', ca: null, insecureUpstream: false },
    });
    cleanup.push(upstream.close, () => proxy.stop(0));
    const client = await rawClient(proxy.address().port);
    client.socket.write('CAPA\r\n');
    await waitFor(() => client.received().toString().endsWith('.\r\n'));
    expect(client.received().toString()).toBe('+OK ready\r\n+OK\r\nTOP\r\nUSER\r\n.\r\n');
    client.socket.write('ST');
    await new Promise((r) => setTimeout(r, 30));
    client.socket.write('LS\r\nUSER bob\r\n');
    await waitFor(() => client.received().toString().includes('STLS refused'));
    await waitFor(() => upstreamGot.includes('USER bob'));
    expect(upstreamGot).toBe('CAPA\r\nUSER bob\r\n');
    client.socket.write('QUIT\r\n');
    await client.ended;
    await sink.closed();
    const stripped = sink.events.filter(
      (e) => e.type === 'violation' && e.violation.code === 'POP3_STLS_STRIPPED',
    );
    expect(stripped).toHaveLength(2);
    const verbs = sink.transactions().map((t) => [t.command?.verb ?? 'greeting', t.response.status]);
    expect(verbs).toEqual([
      ['greeting', '+OK'],
      ['CAPA', '+OK'],
      ['STLS', '-ERR'],
      ['USER', '+OK'],
      ['QUIT', '+OK'],
    ]);
  });
});
