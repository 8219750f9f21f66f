/**
 * A TLS upstream that drops TCP after answering QUIT, with no close_notify (Cyrus does): the session reports
 * POP3_TLS_UNCLEAN_SHUTDOWN live, the capture's close record keeps it (`uncleanTls`), and `show` of the file
 * says the same. A server that ends TLS properly (close_notify, also in the same TCP segment as its last data)
 * gets no such violation; nor does one that just closes after pop3scope ended TLS first. TLS 1.2 and 1.3,
 * implicit TLS (--upstream-tls) and STLS intercepted.
 */
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/analysis/types.js';
import { CaptureWriter } from '../../src/capture/writer.js';
import { ProxyServer } from '../../src/proxy/server.js';
import { captureSink } from '../../src/proxy/sinks/capture.js';
import { CertificateAuthority, type Leaf } from '../../src/tls/ca.js';
import { runCli } from '../helpers/cli.js';
import { collector, rawClient, waitFor } from '../helpers/proxyHarness.js';
import { readText } from '../helpers/proxyProcess.js';
import { Wire } from '../helpers/tlsFixtures.js';

type Version = 'TLSv1.2' | 'TLSv1.3';
/**
 * How the server ends after answering QUIT: `destroy` drops TCP with no close_notify; `end` is a proper TLS
 * end; `one-segment` is `end` with its last data record and close_notify written to TCP in a single write.
 */
type Ending = 'destroy' | 'end' | 'one-segment' | 'corrupt';

let ca: CertificateAuthority; // pop3scope's CA (STLS towards the client)
let upstreamCa: CertificateAuthority;
let leaf: Leaf;
beforeAll(async () => {
  [ca, upstreamCa] = await Promise.all([CertificateAuthority.create(), CertificateAuthority.create()]);
  leaf = await upstreamCa.leaf(['localhost', '127.0.0.1']);
});

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/**
 * The server's TCP side for `one-segment`: passes ciphertext on as it comes until `gather` is set, then keeps
 * it, and at the end writes all it kept in ONE write before the FIN.
 */
class Gather extends Duplex {
  gather = false;
  private kept: Buffer[] = [];
  constructor(private readonly raw: net.Socket) {
    super();
    raw.on('data', (d: Buffer) => this.push(d));
    raw.on('end', () => this.push(null));
    raw.on('error', () => {});
  }
  override _read(): void {}
  override _write(chunk: Buffer, _e: BufferEncoding, done: () => void): void {
    if (this.gather) this.kept.push(chunk);
    else this.raw.write(chunk);
    done();
  }
  override _final(done: () => void): void {
    this.raw.end(Buffer.concat(this.kept));
    done();
  }
}

/**
 * A POP3 server speaking TLS `version`: implicit TLS, or (`stls`) cleartext until STLS. It greets, answers
 * every command +OK, and answers QUIT then ends as `ending` says.
 */
async function tlsUpstream(version: Version, ending: Ending, stls = false) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (raw) => {
    sockets.add(raw);
    raw.on('close', () => sockets.delete(raw));
    raw.on('error', () => {});
    const gather = ending === 'one-segment' ? new Gather(raw) : null;
    const secure = () => {
      const s = new tls.TLSSocket(gather ?? raw, {
        isServer: true,
        cert: leaf.certPem,
        key: leaf.keyPem,
        minVersion: version,
        maxVersion: version,
      });
      s.on('error', () => {});
      // Half-open like its TCP socket, so TLS never answers an end on its own: `destroy` drops TCP instead.
      if (ending === 'destroy') s.on('end', () => raw.destroy());
      return s;
    };
    const serve = (stream: net.Socket, encrypted: boolean) => {
      let pending = '';
      const onData = (d: Buffer) => {
        pending += d.toString('latin1');
        for (let i = pending.indexOf('\r\n'); i >= 0; i = pending.indexOf('\r\n')) {
          const verb = pending.slice(0, i).toUpperCase();
          pending = pending.slice(i + 2);
          if (verb === 'STLS' && !encrypted) {
            stream.off('data', onData);
            raw.write('+OK begin TLS\r\n', () => serve(secure(), true));
            return;
          }
          if (ending === 'corrupt' && encrypted) {
            // A record that cannot be decrypted, and the connection kept open.
            raw.write(Buffer.concat([Buffer.from([0x17, 0x03, 0x03, 0x00, 0x20]), Buffer.alloc(32, 0x5a)]));
            continue;
          }
          if (verb !== 'QUIT') {
            stream.write('+OK\r\n');
            continue;
          }
          if (ending === 'destroy') stream.write('+OK bye\r\n', () => raw.destroy());
          else {
            if (gather) gather.gather = true;
            stream.end('+OK bye\r\n');
          }
        }
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
  return (server.address() as net.AddressInfo).port;
}

/** A proxy to `port` with a collector and a capture file; `stls`: intercept STLS instead of implicit TLS. */
async function proxyTo(port: number, stls: boolean) {
  const path = join(mkdtempSync(join(tmpdir(), 'pop3scope-unclean-')), 'c.jsonl');
  const writer = await CaptureWriter.open(path, { toolVersion: 'test' });
  const sink = collector();
  const proxy = await ProxyServer.start({
    listen: { host: '127.0.0.1', port: 0 },
    upstream: { host: '127.0.0.1', port },
    sinks: [sink, captureSink(writer)],
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
  return { sink, path, port: proxy.address().port, stop: () => proxy.stop(0) };
}

const unclean = (events: EngineEvent[]) =>
  events.flatMap((e) =>
    e.type === 'violation' && e.violation.code === 'POP3_TLS_UNCLEAN_SHUTDOWN' ? [e.violation] : [],
  );

/** The `close` records of a capture. */
const closeRecords = (path: string) =>
  readText(path)
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((r) => r.type === 'close');

/** A cleartext client through an --upstream-tls proxy: greeting, USER, QUIT, then the server's close. */
async function implicitSession(version: Version, ending: Ending) {
  const px = await proxyTo(await tlsUpstream(version, ending), false);
  const client = await rawClient(px.port);
  await waitFor(() => client.received().toString().includes('+OK ready\r\n'));
  client.socket.write('USER bob\r\n');
  await waitFor(() => client.received().toString().endsWith('+OK\r\n'));
  client.socket.write('QUIT\r\n');
  await client.ended;
  await px.sink.closed();
  expect(client.received().toString()).toBe('+OK ready\r\n+OK\r\n+OK bye\r\n');
  await px.stop();
  return px;
}

describe('upstream TLS ended with or without close_notify', () => {
  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    it(`${version}: a server that drops TCP after QUIT is reported, live and in show of the capture`, async () => {
      const { sink, path } = await implicitSession(version, 'destroy');
      expect(sink.closes[0]).toMatchObject({ by: 'server', uncleanTls: 'server' });
      const live = unclean(sink.events);
      expect(live).toHaveLength(1);
      expect(live[0]).toMatchObject({ severity: 'warning', rfc: 'RFC 8446 §6.1' });
      expect(sink.summaries()[0]!.violations).toEqual({ POP3_TLS_UNCLEAN_SHUTDOWN: 1 });
      expect(closeRecords(path)).toMatchObject([{ by: 'server', uncleanTls: 'server' }]);
      const shown = runCli(['show', path]);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toContain(
        `! POP3_TLS_UNCLEAN_SHUTDOWN (warning, RFC 8446 §6.1): ${live[0]!.message}`,
      );
      expect(shown.stdout).toContain('violations POP3_TLS_UNCLEAN_SHUTDOWN×1');
      const json = runCli(['show', path, '--format', 'json'])
        .stdout.split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      expect(json.filter((r) => r.type === 'violation').map((r) => [r.code, r.message])).toEqual([
        ['POP3_TLS_UNCLEAN_SHUTDOWN', live[0]!.message],
      ]);
    }, 30_000);

    for (const ending of ['end', 'one-segment'] as const) {
      it(`${version}: a server that ends TLS with close_notify (${ending}) is not reported`, async () => {
        const { sink, path } = await implicitSession(version, ending);
        expect(unclean(sink.events)).toEqual([]);
        expect(sink.closes[0]!.uncleanTls).toBeUndefined();
        expect(sink.summaries()[0]!.violations).toEqual({});
        expect(closeRecords(path)[0]).not.toHaveProperty('uncleanTls');
      }, 30_000);
    }

    it(`${version}: STLS intercepted — a server that drops TCP after QUIT is reported, one that ends TLS is not`, async () => {
      for (const ending of ['destroy', 'end'] as const) {
        const px = await proxyTo(await tlsUpstream(version, ending, true), true);
        const wire = await Wire.connect(px.port);
        expect(await wire.line()).toBe('+OK cleartext ready\r\n');
        expect(await wire.cmd('STLS')).toBe('+OK begin TLS\r\n');
        const { wire: secure } = await wire.startTls(ca.certPem);
        expect(await secure.cmd('USER bob')).toBe('+OK\r\n');
        expect(await secure.cmd('QUIT')).toBe('+OK bye\r\n');
        await px.sink.closed();
        expect(unclean(px.sink.events)).toHaveLength(ending === 'destroy' ? 1 : 0);
        await px.stop();
        expect(closeRecords(px.path)[0]?.uncleanTls).toBe(ending === 'destroy' ? 'server' : undefined);
      }
    }, 30_000);

    it(`${version}: a server that closes TCP after pop3scope ended TLS first (the client left) is not reported`, async () => {
      const px = await proxyTo(await tlsUpstream(version, 'destroy'), false);
      const client = await rawClient(px.port);
      await waitFor(() => client.received().toString().includes('+OK ready\r\n'));
      client.socket.end();
      await px.sink.closed();
      expect(px.sink.closes[0]!.by).toBe('client');
      expect(unclean(px.sink.events)).toEqual([]);
    }, 30_000);
  }

  // Regression (issue 12): after STLS the upstream TLS socket had no 'error' listener of its own, so a record
  // that failed to decrypt left the session open until the client gave up.
  it('STLS intercepted: a server record that cannot be decrypted ends the session at once, with its reason', async () => {
    const px = await proxyTo(await tlsUpstream('TLSv1.3', 'corrupt', true), true);
    const wire = await Wire.connect(px.port);
    expect(await wire.line()).toBe('+OK cleartext ready\r\n');
    expect(await wire.cmd('STLS')).toBe('+OK begin TLS\r\n');
    const { wire: secure } = await wire.startTls(ca.certPem);
    void secure.cmd('USER bob').catch(() => {});
    await waitFor(() => px.sink.closes.length > 0, 3000);
    expect(px.sink.closes[0]).toMatchObject({ by: 'server' });
    expect(px.sink.closes[0]!.reason).toMatch(/^server error: /);
  }, 30_000);
});
