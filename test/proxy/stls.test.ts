/**
 * STLS intercepted by the proxy (in process) against scripted upstreams that really switch to TLS: what each side
 * receives in cleartext before its handshake (the STARTTLS injection class: nothing after STLS, nothing after
 * its +OK), what the engine flags, a refused STLS that goes on in cleartext, and the decrypted session after TLS.
 * The client verifies the proxy's leaf against pop3scope's CA (a fresh in-memory one); the upstream presents a
 * leaf from another CA, trusted through upstreamCa or not at all (insecureUpstream).
 */
import type net from 'node:net';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent, TlsInfo, Transaction } from '../../src/analysis/types.js';
import { ProxyServer } from '../../src/proxy/server.js';
import type { ProxyTlsOptions } from '../../src/proxy/tls.js';
import { CertificateAuthority, type Leaf } from '../../src/tls/ca.js';
import { collector, fakeUpstream } from '../helpers/proxyHarness.js';
import { until, Wire } from '../helpers/tlsFixtures.js';

const GREETING = '+OK scripted ready\r\n';
const CAPA_CLEAR = '+OK\r\nTOP\r\nUSER\r\nSTLS\r\n.\r\n';
const CAPA_TLS = '+OK\r\nTOP\r\nUSER\r\nPIPELINING\r\n.\r\n';

let ca: CertificateAuthority; // pop3scope's CA: the client trusts it
let upstreamCa: CertificateAuthority; // the "real" server's CA: only the proxy may trust it
let upstreamLeaf: Leaf;
beforeAll(async () => {
  [ca, upstreamCa] = await Promise.all([CertificateAuthority.create(), CertificateAuthority.create()]);
  upstreamLeaf = await upstreamCa.leaf(['localhost', '127.0.0.1']);
});

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** What one upstream connection received, on each side of its handshake. */
interface UpstreamConn {
  cleartext: Buffer;
  decrypted: Buffer;
  /** Set once the upstream's TLS handshake finished. */
  secured: boolean;
  tlsError: Error | null;
}

/**
 * A scripted POP3 server: greets, answers CAPA/NOOP/USER/PASS/QUIT line by line, and answers STLS with `stls`
 * (one string: written in ONE chunk; an array: one write per part, 30 ms apart). When the answer starts with
 * +OK it stops parsing cleartext at once (any byte after the STLS line stays in `cleartext`), waits
 * `answerDelayMs` (still recording what arrives), sends the answer and becomes a TLS server with `upstreamLeaf`
 * on the same socket.
 */
async function scriptedUpstream(stls: string | string[], answerDelayMs = 0) {
  const parts = typeof stls === 'string' ? [stls] : stls;
  const stlsAnswer = parts.join('');
  const conns: UpstreamConn[] = [];
  const up = await fakeUpstream((socket) => {
    const conn: UpstreamConn = {
      cleartext: Buffer.alloc(0),
      decrypted: Buffer.alloc(0),
      secured: false,
      tlsError: null,
    };
    conns.push(conn);
    const answer = (line: string, secure: boolean): string | null => {
      const verb = line.split(' ')[0]!.toUpperCase();
      if (verb === 'CAPA') return secure ? CAPA_TLS : CAPA_CLEAR;
      if (verb === 'NOOP' || verb === 'USER' || verb === 'PASS') return '+OK\r\n';
      if (verb === 'QUIT') return null;
      return '-ERR unknown command\r\n';
    };
    /** Records cleartext that arrives after STLS, until the socket is handed to TLS. */
    const record = (d: Buffer) => {
      conn.cleartext = Buffer.concat([conn.cleartext, d]);
    };
    /** Serves whole lines from `stream` (the cleartext socket, then the TLS one). */
    const serve = (stream: net.Socket | tls.TLSSocket, secure: boolean) => {
      let pending = Buffer.alloc(0);
      const onData = (d: Buffer) => {
        if (secure) conn.decrypted = Buffer.concat([conn.decrypted, d]);
        else conn.cleartext = Buffer.concat([conn.cleartext, d]);
        pending = Buffer.concat([pending, d]);
        for (let i = pending.indexOf('\r\n'); i >= 0; i = pending.indexOf('\r\n')) {
          const line = pending.subarray(0, i).toString('latin1');
          pending = pending.subarray(i + 2);
          if (!secure && line.toUpperCase() === 'STLS') {
            if (!stlsAnswer.startsWith('+OK')) {
              socket.write(stlsAnswer);
              continue;
            }
            // From here the socket belongs to TLS: nothing more is read as cleartext (what still arrives
            // before the answer is sent is recorded, so a test sees it).
            stream.off('data', onData);
            socket.on('data', record);
            setTimeout(upgrade, answerDelayMs);
            return;
          }
          const a = answer(line, secure);
          if (a === null) {
            stream.end('+OK bye\r\n');
            return;
          }
          stream.write(a);
        }
      };
      const upgrade = () => {
        // Each part is its own write, 30 ms apart (so each arrives as its own chunk); TLS starts right after
        // the last one — the proxy sends nothing before it has the whole answer line.
        parts.slice(0, -1).forEach((part, i) => {
          setTimeout(() => socket.write(part), 30 * i);
        });
        setTimeout(
          () => {
            socket.write(parts.at(-1)!);
            becomeTls();
          },
          30 * (parts.length - 1),
        );
      };
      const becomeTls = () => {
        socket.off('data', record);
        const secureSocket = new tls.TLSSocket(socket, {
          isServer: true,
          cert: upstreamLeaf.certPem,
          key: upstreamLeaf.keyPem,
        });
        secureSocket.on('secure', () => {
          conn.secured = true;
        });
        secureSocket.on('error', (e) => {
          conn.tlsError = e;
        });
        serve(secureSocket, true);
      };
      stream.on('data', onData);
    };
    socket.write(GREETING);
    serve(socket, false);
  });
  cleanup.push(up.close);
  return { port: up.port, conns };
}

async function startProxy(upstreamPort: number, tlsOverrides: Partial<ProxyTlsOptions> = {}) {
  const sink = collector();
  const tlsOptions: ProxyTlsOptions = {
    listenTls: false,
    upstreamTls: false,
    stls: 'intercept',
    ca: () => Promise.resolve(ca),
    insecureUpstream: true,
    ...tlsOverrides,
  };
  const proxy = await ProxyServer.start({
    listen: { host: '127.0.0.1', port: 0 },
    upstream: { host: '127.0.0.1', port: upstreamPort },
    sinks: [sink],
    connectTimeoutMs: 5000,
    tls: tlsOptions,
  });
  cleanup.push(() => proxy.stop(0));
  return { sink, port: proxy.address().port };
}

type Ev<T extends EngineEvent['type']> = Extract<EngineEvent, { type: T }>;
const ofType = <T extends EngineEvent['type']>(events: EngineEvent[], type: T): Ev<T>[] =>
  events.filter((e): e is Ev<T> => e.type === type);
const violationsOf = (events: EngineEvent[], code: string) =>
  ofType(events, 'violation')
    .map((e) => e.violation)
    .filter((v) => v.code === code);
const txLine = (tx: Transaction) => [tx.command?.line ?? null, tx.response.status, tx.response.text];
const dataText = (events: EngineEvent[], dir: 'c2s' | 's2c') =>
  Buffer.concat(
    ofType(events, 'data')
      .filter((e) => e.dir === dir)
      .map((e) => e.bytes),
  ).toString('latin1');

describe('STLS intercept against scripted upstreams', () => {
  it('(a) STLS and USER in one chunk: only "STLS\\r\\n" reaches the upstream, POP3_STLS_INJECTION, TLS goes on', async () => {
    const up = await scriptedUpstream('+OK go\r\n');
    const { sink, port } = await startProxy(up.port);
    const client = await Wire.connect(port);
    expect(await client.line()).toBe(GREETING);
    client.write('STLS\r\nUSER evil\r\n'); // one write, one chunk on loopback
    expect(await client.line()).toBe('+OK go\r\n');
    const { wire } = await client.startTls(ca.certPem, 'localhost');

    // The upstream's cleartext ended exactly with the STLS line, and its handshake succeeded after it.
    await until(() => up.conns[0]?.secured === true, 'the upstream handshake');
    expect(up.conns[0]!.cleartext.toString('latin1')).toBe('STLS\r\n');
    expect(up.conns[0]!.tlsError).toBeNull();

    expect(await wire.cmd('NOOP')).toBe('+OK\r\n');
    expect(await wire.cmd('QUIT')).toBe('+OK bye\r\n');
    await wire.ended;
    await sink.closed();
    // The injected command never reached the server, in clear or encrypted.
    expect(up.conns[0]!.decrypted.toString('latin1')).toBe('NOOP\r\nQUIT\r\n');
    // Client side: the greeting and the +OK, nothing else, arrived in cleartext.
    expect(client.received().toString('latin1')).toBe(`${GREETING}+OK go\r\n`);

    const injections = violationsOf(sink.events, 'POP3_STLS_INJECTION');
    expect(injections).toHaveLength(1);
    expect(injections[0]!.message).toMatch(/the client sent .*after STLS/);
    // The injected bytes were neither parsed as a command nor shown: the data event masks them.
    expect(sink.transactions().map(txLine)).toEqual([
      [null, '+OK', 'scripted ready'],
      ['STLS', '+OK', 'go'],
      ['NOOP', '+OK', ''],
      ['QUIT', '+OK', 'bye'],
    ]);
    const c2s = dataText(sink.events, 'c2s');
    expect(c2s).not.toContain('evil');
    expect(c2s.startsWith('STLS\r\n*********')).toBe(true);
    const summary = sink.summaries()[0]!;
    expect(summary.tls).toBe('stls');
    expect(summary.violations.POP3_STLS_INJECTION).toBe(1);
  });

  it('(b) the upstream answers "+OK go\\r\\n-ERR injected\\r\\n" in one chunk: the client gets only "+OK go\\r\\n"', async () => {
    const up = await scriptedUpstream('+OK go\r\n-ERR injected\r\n');
    const { sink, port } = await startProxy(up.port);
    const client = await Wire.connect(port);
    expect(await client.line()).toBe(GREETING);
    client.write('STLS\r\n');
    expect(await client.line()).toBe('+OK go\r\n');
    // Give a forwarded injection every chance to arrive before the client stops reading cleartext.
    await new Promise((r) => setTimeout(r, 100));
    expect(client.pending().toString('latin1')).toBe('');
    const { wire } = await client.startTls(ca.certPem, 'localhost'); // would fail on any stray cleartext byte
    expect(await wire.cmd('NOOP')).toBe('+OK\r\n');
    expect(await wire.cmd('QUIT')).toBe('+OK bye\r\n');
    await wire.ended;
    await sink.closed();
    expect(client.received().toString('latin1')).toBe(`${GREETING}+OK go\r\n`);
    expect(up.conns[0]!.cleartext.toString('latin1')).toBe('STLS\r\n');

    const injections = violationsOf(sink.events, 'POP3_STLS_INJECTION');
    expect(injections).toHaveLength(1);
    expect(injections[0]!.message).toMatch(/the server sent .*after its \+OK to STLS/);
    // The injected -ERR is not a response to anything: the NOOP after TLS gets the right one.
    expect(sink.transactions().map(txLine)).toEqual([
      [null, '+OK', 'scripted ready'],
      ['STLS', '+OK', 'go'],
      ['NOOP', '+OK', ''],
      ['QUIT', '+OK', 'bye'],
    ]);
  });

  it('(c) the upstream refuses STLS: the client gets the -ERR and the session goes on in cleartext', async () => {
    const up = await scriptedUpstream('-ERR no TLS\r\n');
    const { sink, port } = await startProxy(up.port);
    const client = await Wire.connect(port);
    expect(await client.line()).toBe(GREETING);
    expect(await client.cmd('STLS')).toBe('-ERR no TLS\r\n');
    expect(await client.cmd('CAPA', true)).toBe(CAPA_CLEAR);
    expect(await client.cmd('USER bob')).toBe('+OK\r\n');
    expect(await client.cmd('PASS sesame')).toBe('+OK\r\n');
    expect(await client.cmd('NOOP')).toBe('+OK\r\n');
    expect(await client.cmd('QUIT')).toBe('+OK bye\r\n');
    await client.ended;
    await sink.closed();
    expect(up.conns[0]!.cleartext.toString('latin1')).toBe(
      'STLS\r\nCAPA\r\nUSER bob\r\nPASS sesame\r\nNOOP\r\nQUIT\r\n',
    );
    expect(up.conns[0]!.secured).toBe(false);
    expect(client.received().toString('latin1')).toBe(
      `${GREETING}-ERR no TLS\r\n${CAPA_CLEAR}+OK\r\n+OK\r\n+OK\r\n+OK bye\r\n`,
    );
    expect(sink.transactions().map(txLine)).toEqual([
      [null, '+OK', 'scripted ready'],
      ['STLS', '-ERR', 'no TLS'],
      ['CAPA', '+OK', ''],
      ['USER bob', '+OK', ''],
      ['PASS <redacted 6 octets>', '+OK', ''],
      ['NOOP', '+OK', ''],
      ['QUIT', '+OK', 'bye'],
    ]);
    expect(sink.transactions()[2]!.response.listing).toEqual(['TOP', 'USER', 'STLS']);
    expect(sink.transactions()[5]!.phase).toBe('TRANSACTION');
    expect(dataText(sink.events, 'c2s')).not.toContain('sesame');
    expect(violationsOf(sink.events, 'POP3_STLS_INJECTION')).toEqual([]);
    expect(ofType(sink.events, 'tls')).toEqual([]);
    expect(sink.summaries()[0]).toMatchObject({ tls: 'none', user: 'bob', violations: {} });
  });

  it('(d) after TLS the decrypted traffic is parsed (CAPA without STLS) and a tls event says stls/decrypted', async () => {
    const up = await scriptedUpstream('+OK Begin TLS\r\n');
    const { sink, port } = await startProxy(up.port);
    const client = await Wire.connect(port);
    expect(await client.line()).toBe(GREETING);
    expect(await client.cmd('CAPA', true)).toBe(CAPA_CLEAR);
    expect(await client.cmd('STLS')).toBe('+OK Begin TLS\r\n');
    const { wire, socket } = await client.startTls(ca.certPem, 'localhost');
    // The client verified a leaf from pop3scope's CA that names localhost (what the client asked for).
    expect(socket.authorized).toBe(true);
    expect(socket.getPeerCertificate().subject.CN).toBe('localhost');
    expect(await wire.cmd('CAPA', true)).toBe(CAPA_TLS);
    expect(await wire.cmd('USER bob')).toBe('+OK\r\n');
    expect(await wire.cmd('QUIT')).toBe('+OK bye\r\n');
    await wire.ended;
    await sink.closed();

    const capas = sink.transactions().filter((t) => t.command?.verb === 'CAPA');
    expect(capas.map((t) => t.response.listing)).toEqual([
      ['TOP', 'USER', 'STLS'],
      ['TOP', 'USER', 'PIPELINING'],
    ]);
    expect(sink.transactions().map((t) => t.command?.verb ?? null)).toEqual([
      null,
      'CAPA',
      'STLS',
      'CAPA',
      'USER',
      'QUIT',
    ]);
    // The decrypted bytes are what the data events carry after TLS.
    expect(dataText(sink.events, 'c2s')).toBe('CAPA\r\nSTLS\r\nCAPA\r\nUSER bob\r\nQUIT\r\n');
    expect(dataText(sink.events, 's2c')).toBe(
      `${GREETING}${CAPA_CLEAR}+OK Begin TLS\r\n${CAPA_TLS}+OK\r\n+OK bye\r\n`,
    );

    const tlsEvents = ofType(sink.events, 'tls');
    expect(tlsEvents).toHaveLength(1);
    const info: TlsInfo = tlsEvents[0]!.info;
    expect(info).toMatchObject({
      how: 'stls',
      visibility: 'decrypted',
      client: { version: 'TLSv1.3', sni: 'localhost' },
      upstream: {
        subject: 'CN=localhost',
        issuer: 'CN=pop3scope local CA, O=pop3scope',
        verified: false, // insecureUpstream: the upstream's CA is not trusted
      },
      insecureUpstream: true,
    });
    expect((info.client as { cipher: string }).cipher).toMatch(/^TLS_/);
    // The tls event comes after the STLS transaction and before the first decrypted one.
    const order = sink.events
      .filter((e) => e.type === 'tls' || e.type === 'transaction')
      .map((e) => (e.type === 'tls' ? 'tls' : (e.tx.command?.verb ?? 'greeting')));
    expect(order).toEqual(['greeting', 'CAPA', 'STLS', 'tls', 'CAPA', 'USER', 'QUIT']);
    expect(sink.summaries()[0]).toMatchObject({ tls: 'stls', user: 'bob', violations: {} });
  });

  it('bytes the client sends while the STLS answer is awaited are held back and flagged, never forwarded', async () => {
    const up = await scriptedUpstream('+OK go\r\n', 150);
    const { sink, port } = await startProxy(up.port);
    const client = await Wire.connect(port);
    expect(await client.line()).toBe(GREETING);
    client.write('STLS\r\n');
    await until(() => up.conns[0]?.cleartext.length === 6, 'STLS at the upstream');
    client.write('PASS early-secret\r\n'); // a second chunk, before the server has answered
    expect(await client.line()).toBe('+OK go\r\n');
    const { wire } = await client.startTls(ca.certPem, 'localhost');
    expect(await wire.cmd('QUIT')).toBe('+OK bye\r\n');
    await wire.ended;
    await sink.closed();
    expect(up.conns[0]!.cleartext.toString('latin1')).toBe('STLS\r\n');
    expect(up.conns[0]!.decrypted.toString('latin1')).toBe('QUIT\r\n');
    expect(violationsOf(sink.events, 'POP3_STLS_INJECTION')).toHaveLength(1);
    expect(dataText(sink.events, 'c2s')).not.toContain('early-secret');
    expect(sink.transactions().map((t) => t.command?.verb ?? null)).toEqual([null, 'STLS', 'QUIT']);
  });

  it('a client that answers +OK with cleartext instead of a TLS handshake is cut off; the close says why', async () => {
    const up = await scriptedUpstream('+OK go\r\n');
    const { sink, port } = await startProxy(up.port);
    const client = await Wire.connect(port);
    expect(await client.line()).toBe(GREETING);
    expect(await client.cmd('STLS')).toBe('+OK go\r\n');
    client.write('USER evil\r\n'); // cleartext where the ClientHello should be
    await client.ended;
    await sink.closed();
    expect(client.received().toString('latin1')).toBe(`${GREETING}+OK go\r\n`);
    expect(up.conns[0]!.cleartext.toString('latin1')).toBe('STLS\r\n');
    expect(up.conns[0]!.decrypted.length).toBe(0);
    expect(sink.closes[0]).toMatchObject({ by: 'proxy' });
    expect(sink.closes[0]!.reason).toMatch(/client's TLS handshake failed/);
    expect(sink.closes[0]!.reason).toContain('pop3scope ca show');
    expect(dataText(sink.events, 'c2s')).toBe('STLS\r\n');
  });

  it('the STLS answer split over chunks ("+O", "K go\\r\\n") is reassembled before the proxy decides', async () => {
    const up = await scriptedUpstream(['+O', 'K go\r\n']);
    const { sink, port } = await startProxy(up.port);
    const client = await Wire.connect(port);
    await client.line();
    expect(await client.cmd('STLS')).toBe('+OK go\r\n');
    const { wire } = await client.startTls(ca.certPem, 'localhost');
    expect(await wire.cmd('QUIT')).toBe('+OK bye\r\n');
    await wire.ended;
    await sink.closed();
    expect(sink.transactions().map(txLine)).toEqual([
      [null, '+OK', 'scripted ready'],
      ['STLS', '+OK', 'go'],
      ['QUIT', '+OK', 'bye'],
    ]);
    expect(violationsOf(sink.events, 'POP3_STLS_INJECTION')).toEqual([]);
  });

  it('cleartext the server sends in a later chunk after its +OK never reaches the client: STLS fails with -ERR', async () => {
    // "+OK go\r\n" first; 30 ms later "-ERR injected\r\n" on its own; then TLS. The proxy is already in its
    // handshake with the server when the injected bytes arrive: they break it, and nothing of it is relayed.
    const up = await scriptedUpstream(['+OK go\r\n', '-ERR injected\r\n']);
    const { sink, port } = await startProxy(up.port);
    const client = await Wire.connect(port);
    expect(await client.line()).toBe(GREETING);
    client.write('STLS\r\n');
    await client.ended;
    await sink.closed();
    const got = client.received().toString('latin1');
    expect(got.startsWith(`${GREETING}-ERR [SYS/TEMP] pop3scope: TLS with the server failed (`)).toBe(true);
    expect(got).not.toContain('+OK go');
    expect(got).not.toContain('injected');
    expect(sink.closes[0]).toMatchObject({ by: 'proxy' });
    expect(sink.closes[0]!.reason).toMatch(/^TLS with the server failed \(/);
    expect(ofType(sink.events, 'tls')).toEqual([]);
  });

  // Guards proxy/failures.ts errorText(): OpenSSL's multi-line message (source paths, a trailing LF) never
  // reaches the client's status line.
  it('that -ERR is one clean status line (no CR or LF inside, no OpenSSL source paths)', async () => {
    const up = await scriptedUpstream(['+OK go\r\n', '-ERR injected\r\n']);
    const { sink, port } = await startProxy(up.port);
    const client = await Wire.connect(port);
    expect(await client.line()).toBe(GREETING);
    client.write('STLS\r\n');
    await client.ended;
    await sink.closed();
    const got = client.received().toString('latin1').slice(GREETING.length);
    expect(got).toMatch(/^-ERR \[SYS\/TEMP\] pop3scope: TLS with the server failed \([^\r\n]+\)\r\n$/);
    expect(got).not.toMatch(/\.c:\d+/);
  });

  // Guards the intercept gate (proxy/stlsGate.ts): the answer to STLS is the line the engine pairs with STLS,
  // not the first server line after it (here CAPA's +OK).
  it('pipelined "CAPA\\r\\nSTLS\\r\\n" in one chunk: the client gets all of CAPA, then STLS’s +OK, then TLS', async () => {
    const up = await scriptedUpstream('+OK go\r\n');
    const { sink, port } = await startProxy(up.port);
    const client = await Wire.connect(port);
    await client.line();
    client.write('CAPA\r\nSTLS\r\n');
    expect(await client.multi()).toBe(CAPA_CLEAR);
    expect(await client.line()).toBe('+OK go\r\n');
    const { wire } = await client.startTls(ca.certPem, 'localhost');
    expect(await wire.cmd('QUIT')).toBe('+OK bye\r\n');
    await wire.ended;
    await sink.closed();
    expect(sink.transactions().map((t) => t.command?.verb ?? null)).toEqual([null, 'CAPA', 'STLS', 'QUIT']);
  });

  it('with upstreamCa and verification on, the upstream is verified (verified: true, no insecureUpstream)', async () => {
    const up = await scriptedUpstream('+OK go\r\n');
    const { sink, port } = await startProxy(up.port, {
      insecureUpstream: false,
      upstreamCa: upstreamCa.certPem,
    });
    const client = await Wire.connect(port);
    await client.line();
    expect(await client.cmd('STLS')).toBe('+OK go\r\n');
    const { wire } = await client.startTls(ca.certPem, 'localhost');
    expect(await wire.cmd('QUIT')).toBe('+OK bye\r\n');
    await wire.ended;
    await sink.closed();
    const info = ofType(sink.events, 'tls')[0]!.info;
    expect(info).toMatchObject({
      how: 'stls',
      visibility: 'decrypted',
      upstream: { verified: true, verifyError: null },
    });
    expect(info).not.toHaveProperty('insecureUpstream');
  });

  it('an upstream certificate nobody trusts: the client gets -ERR [SYS/TEMP] instead of +OK, and the close says why', async () => {
    const up = await scriptedUpstream('+OK go\r\n');
    const { sink, port } = await startProxy(up.port, { insecureUpstream: false });
    const client = await Wire.connect(port);
    await client.line();
    const answer = await client.cmd('STLS');
    expect(answer).toMatch(/^-ERR \[SYS\/TEMP\] pop3scope: TLS with the server failed \(.+\)\r\n$/);
    expect(answer).not.toContain('+OK');
    await client.ended;
    await sink.closed();
    expect(client.received().toString('latin1')).toBe(`${GREETING}${answer}`);
    expect(sink.closes[0]).toMatchObject({ by: 'proxy' });
    expect(sink.closes[0]!.reason).toMatch(/^TLS with the server failed \(.*(certificate|unable to)/);
    expect(ofType(sink.events, 'tls')).toEqual([]);
  });
});
