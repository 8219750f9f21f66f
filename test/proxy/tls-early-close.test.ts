/**
 * `--listen-tls`: a client that closes its TCP connection before or during its TLS handshake (a port probe, a
 * client that gives up) ends its session at once, with the reason, and the proxy then stops at once.
 */
import net from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SessionEnd } from '../../src/events.js';
import { ProxyServer } from '../../src/proxy/server.js';
import { CertificateAuthority } from '../../src/tls/ca.js';
import { collector, fakeUpstream, waitFor } from '../helpers/proxyHarness.js';

let ca: CertificateAuthority;
beforeAll(async () => {
  ca = await CertificateAuthority.create();
});

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

// The first bytes of a real TLS 1.3 ClientHello record header and handshake header, cut short.
const PARTIAL_CLIENT_HELLO = Buffer.from('16030100f8010000f40303', 'hex');

const CASES: [string, Buffer | null, SessionEnd['by'], RegExp][] = [
  ['closes at once', null, 'client', /^the client closed the connection before the TLS handshake$/],
  // Bytes that are no TLS fail the handshake the moment they arrive, before the close.
  ['sends a few garbage bytes and closes', Buffer.from('xyz\r\n'), 'proxy', /the client did not speak TLS$/],
  [
    'closes in the middle of its ClientHello',
    PARTIAL_CLIENT_HELLO,
    'client',
    /^the client closed the connection during the TLS handshake$/,
  ],
];

describe('proxy --listen-tls: a client that leaves before its TLS handshake', () => {
  for (const [what, bytes, by, reason] of CASES) {
    it(`ends the session at once when the client ${what}, and the proxy stops at once`, async () => {
      const upstream = await fakeUpstream((s) => s.write('+OK ready\r\n'));
      const sink = collector();
      const proxy = await ProxyServer.start({
        listen: { host: '127.0.0.1', port: 0 },
        upstream: { host: '127.0.0.1', port: upstream.port },
        sinks: [sink],
        connectTimeoutMs: 20_000,
        tls: {
          listenTls: true,
          upstreamTls: false,
          stls: 'intercept',
          ca: async () => ca,
          insecureUpstream: false,
        },
      });
      cleanup.push(upstream.close, () => proxy.stop(0));
      const socket = net.connect({ host: '127.0.0.1', port: proxy.address().port });
      socket.on('error', () => {});
      await new Promise<void>((r) => socket.once('connect', () => r()));
      if (bytes) await new Promise<void>((r) => socket.write(bytes, () => r()));
      await new Promise((r) => setTimeout(r, 50));
      const closedAt = Date.now();
      socket.end();
      await sink.closed();
      expect(Date.now() - closedAt).toBeLessThan(1000);
      expect(sink.closes[0]!.by).toBe(by);
      expect(sink.closes[0]!.reason).toMatch(reason);
      expect(sink.summaries()[0]!.closeReason).toMatch(reason);
      await waitFor(() => proxy.activeSessions === 0, 500);
      const stopAt = Date.now();
      await proxy.stop(2000);
      expect(Date.now() - stopAt).toBeLessThan(500);
    }, 10_000);
  }
});
