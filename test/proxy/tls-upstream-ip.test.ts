/**
 * The upstream's certificate is checked against the name the user gave: an upstream given as an IP address is
 * verified against that address (its certificate's IP SANs), never against "localhost" — Node's default when a
 * TLS socket wraps a stream and no host is passed. No SNI is sent for an address (RFC 6066 §3 allows host names
 * only). Implicit TLS (--upstream-tls) and STLS intercepted.
 */
import net from 'node:net';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProxyServer } from '../../src/proxy/server.js';
import { CertificateAuthority } from '../../src/tls/ca.js';
import { collector, rawClient, waitFor } from '../helpers/proxyHarness.js';

let ca: CertificateAuthority; // pop3scope's CA (STLS towards the client)
let upstreamCa: CertificateAuthority;
beforeAll(async () => {
  [ca, upstreamCa] = await Promise.all([CertificateAuthority.create(), CertificateAuthority.create()]);
});

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/**
 * A POP3 server whose certificate names exactly `names`: implicit TLS, or (`stls`) cleartext until STLS. It
 * greets and answers every command +OK; `sni` collects the server name each TLS client asked for.
 */
async function upstream(names: string[], stls: boolean) {
  const leaf = await upstreamCa.leaf(names);
  const sni: (string | false)[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((raw) => {
    sockets.add(raw);
    raw.on('close', () => sockets.delete(raw));
    raw.on('error', () => {});
    const secure = () => {
      const s = new tls.TLSSocket(raw, { isServer: true, cert: leaf.certPem, key: leaf.keyPem });
      s.on('error', () => {});
      s.once('secure', () => sni.push((s as tls.TLSSocket & { servername: string | false }).servername));
      return s;
    };
    const serve = (stream: net.Socket, encrypted: boolean) => {
      const onData = (d: Buffer) => {
        if (!encrypted && d.toString('latin1').toUpperCase().startsWith('STLS')) {
          stream.off('data', onData);
          raw.write('+OK begin TLS\r\n', () => serve(secure(), true));
          return;
        }
        stream.write('+OK\r\n');
      };
      stream.on('data', onData);
    };
    if (stls) {
      raw.write('+OK cleartext ready\r\n');
      serve(raw, false);
    } else {
      const s = secure();
      s.once('secure', () => s.write('+OK ready\r\n'));
      serve(s, true);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return { port: (server.address() as net.AddressInfo).port, sni };
}

/** A proxy to host:port verifying the upstream with upstreamCa; `stls`: intercept STLS, else implicit TLS. */
async function proxyTo(host: string, port: number, stls: boolean) {
  const sink = collector();
  const proxy = await ProxyServer.start({
    listen: { host: '127.0.0.1', port: 0 },
    upstream: { host, port },
    sinks: [sink],
    tls: {
      listenTls: false,
      upstreamTls: !stls,
      stls: 'intercept',
      ca: async () => ca,
      upstreamCa: upstreamCa.certPem,
      insecureUpstream: false,
    },
  });
  cleanup.push(() => proxy.stop(0));
  return { sink, port: proxy.address().port };
}

/** What a cleartext client gets first through the proxy: after STLS's answer when `stls`, else the greeting. */
async function firstAnswer(proxyPort: number, stls: boolean): Promise<string> {
  const client = await rawClient(proxyPort);
  const want = (s: string) => /\r\n/.test(s);
  if (stls) {
    await waitFor(() => client.received().toString().includes('+OK cleartext ready\r\n'));
    const before = client.received().length;
    client.socket.write('STLS\r\n');
    await waitFor(() => want(client.received().subarray(before).toString()));
    const tlsAnswer = client.received().subarray(before).toString();
    client.socket.destroy();
    return tlsAnswer;
  }
  await waitFor(() => want(client.received().toString()));
  const text = client.received().toString();
  client.socket.destroy();
  return text;
}

describe('an upstream given as an IP address is verified against that address', () => {
  for (const stls of [false, true]) {
    const how = stls ? 'STLS intercepted' : '--upstream-tls';

    it(`${how}: a certificate naming only IP 127.0.0.1 is accepted, and no SNI is sent`, async () => {
      const up = await upstream(['127.0.0.1'], stls);
      const px = await proxyTo('127.0.0.1', up.port, stls);
      const answer = await firstAnswer(px.port, stls);
      expect(answer).toMatch(stls ? /^\+OK/ : /^\+OK ready\r\n/);
      expect(answer).not.toMatch(/-ERR/);
      await waitFor(() => up.sni.length === 1);
      expect(up.sni).toEqual([false]);
    });

    it(`${how}: a certificate naming only "localhost" is refused for upstream 127.0.0.1`, async () => {
      const up = await upstream(['localhost'], stls);
      const px = await proxyTo('127.0.0.1', up.port, stls);
      const answer = await firstAnswer(px.port, stls);
      expect(answer).toMatch(
        /^-ERR \[SYS\/TEMP\] pop3scope: TLS with the server failed \(.*127\.0\.0\.1.*\)\r\n$/,
      );
    });

    it(`${how}: an upstream given by name is verified against the name and gets it as SNI`, async () => {
      const up = await upstream(['localhost'], stls);
      const px = await proxyTo('localhost', up.port, stls);
      const answer = await firstAnswer(px.port, stls);
      expect(answer).toMatch(/^\+OK/);
      await waitFor(() => up.sni.length === 1);
      expect(up.sni).toEqual(['localhost']);
    });
  }
});
